"""The suite runs on its own defaults whatever the shell that starts it exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXPORTED = {
    "DATABASE_URL": "postgres://someone@db.example.com:5432/production",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "REDIS_LAYER": "pubsub",
    "CHAT_RATE_LIMIT_MESSAGES": "1",
    "CHAT_MESSAGE_MAX_LENGTH": "5",
    "CHAT_AUTO_CREATE_ROOMS": "0",
    "CHAT_MAX_SOCKETS_PER_USER": "1",
    "HUB_FANOUT_PACE_US": "999999",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "*",
}

SHOW = """
import json, os
from django.conf import settings
print(json.dumps({
    "database": [settings.DATABASES["default"]["ENGINE"], str(settings.DATABASES["default"]["NAME"])],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "chat": {name: getattr(settings, name) for name in dir(settings) if name.startswith("CHAT_")},
    "pace": settings.HUB_FANOUT_PACE_US,
    "debug": settings.DEBUG,
    "environment_kept": os.environ.get("DATABASE_URL"),
}))
"""


def settings_shown(**exported: str) -> dict[str, object]:
    clean = {name: value for name, value in os.environ.items() if name not in EXPORTED}
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, **exported, "DJANGO_SETTINGS_MODULE": "site_config.test_settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shown: dict[str, object] = json.loads(result.stdout)
    return shown


def test_the_suite_ignores_the_apps_settings_exported_in_its_shell():
    exported = settings_shown(**EXPORTED)
    defaults = settings_shown()

    assert exported["database"] == ["django.db.backends.sqlite3", str(ROOT / "db.sqlite3")]
    assert exported["layer"] == "channels.layers.InMemoryChannelLayer"
    assert exported["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert exported["debug"] is True
    assert {**exported, "environment_kept": None} == defaults
    # Only the settings ignore them: servers the suite starts still get the environment it was given.
    assert exported["environment_kept"] == EXPORTED["DATABASE_URL"]
