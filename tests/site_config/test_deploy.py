from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from tests.live_server import ROOT

# The app's own environment variables: a shell that runs the suite may export any of them.
APP_SETTINGS = ("DJANGO_", "CHAT_", "PRESENCE_", "HUB_", "DATABASE_", "REDIS_", "CHANNEL_LAYER_")
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "chat.example.com",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(APP_SETTINGS)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "site_config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deployment_check_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="chat.example.com")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def real_settings_value(name: str, **env: str) -> object:
    """`name` as site_config/settings.py itself sets it (not the test settings), in a clean environment."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(APP_SETTINGS)}
    result = subprocess.run(
        [sys.executable, "-c", f"import json, site_config.settings as s; print(json.dumps(s.{name}))"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_allowed_hosts_is_never_a_wildcard_by_default():
    debugging = real_settings_value("ALLOWED_HOSTS")
    production = real_settings_value("ALLOWED_HOSTS", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)

    for hosts in (debugging, production):
        assert isinstance(hosts, list)
        assert hosts, "no host at all: the default must name this machine"
        assert not any("*" in host for host in hosts), hosts
        assert "localhost" in hosts


def test_the_test_settings_allow_no_wildcard_either():
    from django.conf import settings

    assert not any("*" in host for host in settings.ALLOWED_HOSTS)
