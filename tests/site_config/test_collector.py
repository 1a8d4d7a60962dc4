"""The server keeps full garbage collections out of the way of its sockets (site_config/collector.py)."""

from __future__ import annotations

import gc

from site_config import asgi, collector


def test_the_server_freezes_what_it_loaded_and_collects_the_youngest_generation_less_often():
    assert asgi.application is not None  # the process entry point, imported
    assert gc.get_freeze_count() > 10_000  # Django, the apps, URL patterns: out of every collection
    assert gc.get_threshold()[0] == collector.YOUNGEST_THRESHOLD
