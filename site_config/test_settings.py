"""Settings for the test suite: the same app, faster hashing, quicker presence timings.

The suite relies on the defaults (a SQLite test database, the in-memory channel layer and cache, the chat's
own limits), so the app's environment variables exported in the shell that runs it (a DATABASE_URL left from
a deployment, REDIS_URL, CHAT_RATE_LIMIT_MESSAGES…) are ignored here. Servers the suite starts in subprocesses
are given their settings explicitly and still see the environment."""

from __future__ import annotations

import os
from unittest import mock

_IGNORED_PREFIXES = ("DJANGO_", "CHAT_", "PRESENCE_", "HUB_", "DATABASE_", "REDIS_", "CHANNEL_LAYER_")
_clean = {
    name: value
    for name, value in os.environ.items()
    if name == "DJANGO_SETTINGS_MODULE" or not name.startswith(_IGNORED_PREFIXES)
}
with mock.patch.dict(os.environ, _clean, clear=True):
    from site_config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRESENCE_BROADCAST_DELAY_MS = 10
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
WHITENOISE_AUTOREFRESH = True
# Test sockets that do not sync get live frames at once; catch-up tests raise it to check the ordering.
CHAT_SYNC_GRACE_SECONDS = 0
# The suite signs up many accounts from one address; tests of the throttles turn them on.
CHAT_SIGNUPS_PER_HOUR = 0
CHAT_LOGINS_PER_HOUR = 0

# The suite's PostgreSQL pass over the database-specific tests sets this (tests/integration/
# test_search_on_postgres.py); a DATABASE_URL exported in the shell never switches the suite's database.
if os.environ.get("TEST_SUITE_DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["TEST_SUITE_DATABASE_URL"])}

# A `make run` leaves a collected STATIC_ROOT with a manifest behind; the suite's pages link static/ as it is.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
