"""Per-address throttles for the account forms: a flood of sign-ups or logins costs one cache hit each, not a
password hash. Counters live in Django's cache (Redis when REDIS_URL is set, so every process shares them)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

WINDOW_SECONDS = 3600

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponseBase]


def client_address(request: HttpRequest) -> str:
    """The client's address, for the throttles (django-axes gets the same, see axes_address).

    REMOTE_ADDR is the peer, or the client a trusted proxy names when the server runs with proxy headers on
    (CHAT_TRUSTED_PROXY, see the Makefile); never a header read here, which any client could forge."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def axes_address(request: HttpRequest) -> str | None:
    """The address django-axes records (AXES_CLIENT_IP_CALLABLE): None when the server was not told one (a
    Unix socket), since its column is an IP address field that PostgreSQL checks."""
    return request.META.get("REMOTE_ADDR") or None


def current_window() -> int:
    return int(time.time()) // WINDOW_SECONDS


def hit(action: str, address: str, per_hour: int) -> bool:
    """Counts one attempt; True while the address is within `per_hour` for the current hour (0 = no limit)."""
    if per_hour <= 0:
        return True
    key = f"throttle:{action}:{current_window()}:{address}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS + 60)
            count = 1
    except Exception:  # the cache (Redis) is down: logging in must not fail with it
        logger.warning("%s throttle skipped: the cache is unavailable", action, exc_info=True)
        return True
    return count <= per_hour


def throttle_posts(action: str, setting: str) -> Callable[[View], View]:
    """Answers a POST over the address's hourly limit with 429 before the view (and its hashing) runs."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            per_hour = int(getattr(settings, setting))
            if request.method == "POST" and not hit(action, client_address(request), per_hour):
                context = {"action": action, "per_hour": per_hour}
                response = render(request, "registration/throttled.html", context, status=429)
                response["Retry-After"] = str(WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
