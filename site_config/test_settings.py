"""Settings for the test suite: the same app, faster hashing, quicker presence timings."""

from __future__ import annotations

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
