"""Staff's custom stylesheet as pages see it: its version (for the link) and its text, from the cache.

Every page asks for the version, so it must not cost a query: the row is read once into Django's cache and
forgotten when staff save it. The timeout bounds how long another process's local cache (no Redis) may keep
an old version.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

from django.core.cache import cache

from people.models import CustomStyle

CACHE_KEY = "people:custom-css"
CACHE_SECONDS = 60


class Stylesheet(NamedTuple):
    version: int  # 0: no custom CSS
    css: str


NONE = Stylesheet(0, "")


def version_of(style: CustomStyle) -> int:
    """Microseconds since the epoch of the last save: new text, new URL, which browsers may keep forever."""
    return int(style.updated_at.timestamp() * 1_000_000)


def current() -> Stylesheet:
    try:
        cached = cache.get(CACHE_KEY)
    except Exception:  # the cache is Redis when REDIS_URL is set: its outage must not fail every page
        cached = None
    if isinstance(cached, tuple) and len(cached) == 2:
        return Stylesheet(*cached)
    style = CustomStyle.objects.order_by("pk").first()
    found = Stylesheet(version_of(style), style.css) if style and style.css.strip() else NONE
    with contextlib.suppress(Exception):  # as above: the next page asks again
        cache.set(CACHE_KEY, tuple(found), CACHE_SECONDS)
    return found


def forget() -> None:
    with contextlib.suppress(Exception):  # as above; a stale version lasts at most CACHE_SECONDS
        cache.delete(CACHE_KEY)
