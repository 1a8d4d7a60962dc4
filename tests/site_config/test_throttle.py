"""Sign-up and login throttles per address, and the login lockout keyed by username and address together."""

from __future__ import annotations

from typing import ClassVar

import pytest
from axes.helpers import get_client_ip_address
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting every hash and check (a throttled request must do neither)."""

    calls: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        self.calls.append("encode")
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        self.calls.append("verify")
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def fresh_counters(monkeypatch, settings):
    cache.clear()
    # One fixed hour: a test running across an hour boundary would otherwise see its counts restart.
    monkeypatch.setattr("site_config.throttle.current_window", lambda: 123456)
    settings.PASSWORD_HASHERS = ["tests.site_config.test_throttle.CountingHasher"]
    CountingHasher.calls.clear()
    yield
    cache.clear()


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_up(client: Client, username: str):
    fields = {"username": username, "password1": "a-long-passphrase", "password2": "a-long-passphrase"}
    return client.post("/accounts/signup/", fields)


def log_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sign_ups_over_the_hourly_limit_of_an_address_get_429_without_hashing(settings):
    settings.CHAT_SIGNUPS_PER_HOUR = 2
    client = from_address("10.0.0.1")
    assert sign_up(client, "first").status_code == 302
    assert sign_up(from_address("10.0.0.1"), "second").status_code == 302
    CountingHasher.calls.clear()

    refused = sign_up(from_address("10.0.0.1"), "third")

    assert refused.status_code == 429
    assert "Too many attempts from your address" in refused.content.decode()
    assert int(refused["Retry-After"]) <= 3600
    assert CountingHasher.calls == []
    assert not get_user_model().objects.filter(username="third").exists()
    # Another address is not affected; a GET of the form still works from the throttled one.
    assert sign_up(from_address("10.0.0.2"), "fourth").status_code == 302
    assert from_address("10.0.0.1").get("/accounts/signup/").status_code == 200


def test_invalid_sign_up_attempts_count_too(settings):
    settings.CHAT_SIGNUPS_PER_HOUR = 1
    client = from_address("10.0.0.1")
    bad = {"username": "x", "password1": "a-long-passphrase", "password2": "different-one"}
    assert client.post("/accounts/signup/", bad).status_code == 400

    assert sign_up(client, "late").status_code == 429


def test_zero_turns_the_sign_up_limit_off(settings):
    settings.CHAT_SIGNUPS_PER_HOUR = 0

    for n in range(12):
        assert sign_up(from_address("10.0.0.1"), f"user{n}").status_code == 302


def test_logins_over_the_hourly_limit_of_an_address_get_429_whatever_the_username(alice, settings):
    """Rotating usernames dodges the per-username lockout; it does not dodge this."""
    settings.CHAT_LOGINS_PER_HOUR = 3
    client = from_address("10.0.0.1")
    for name in ("alice1", "alice2", "alice3"):
        assert log_in(client, name, "guess").status_code == 200
    CountingHasher.calls.clear()

    refused = log_in(client, "alice")

    assert refused.status_code == 429
    assert "too many login attempts" in refused.content.decode()
    assert CountingHasher.calls == []
    assert client.get("/rooms/").status_code == 302
    assert log_in(from_address("10.0.0.2"), "alice").status_code == 302


def test_zero_turns_the_login_limit_off(alice, settings):
    settings.CHAT_LOGINS_PER_HOUR = 0
    client = from_address("10.0.0.1")
    for n in range(70):
        log_in(client, f"nobody{n}", "guess")

    assert log_in(client, "alice").status_code == 302


def test_the_admin_login_is_throttled_too(settings):
    settings.CHAT_LOGINS_PER_HOUR = 1
    client = from_address("10.0.0.1")
    client.post("/admin/login/", {"username": "root", "password": "guess"})

    assert client.post("/admin/login/", {"username": "root", "password": "guess"}).status_code == 429


def test_a_lockout_holds_on_the_attackers_address_only(alice, settings):
    attacker = from_address("10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, "alice", "guess")

    assert log_in(from_address("10.0.0.1"), "alice").status_code == 429
    victim = from_address("10.0.0.2")
    assert log_in(victim, "alice").status_code == 302
    assert victim.get("/rooms/").status_code == 200


def test_the_lockout_and_the_throttles_see_the_same_address_and_no_forged_header():
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.7"
    )

    from site_config.throttle import client_address

    assert get_client_ip_address(request) == client_address(request) == "10.0.0.7"


def test_the_counters_live_in_redis_when_redis_url_is_set():
    from tests.site_config.test_deploy import run_manage

    show = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    with_redis = run_manage("shell", "-c", show, REDIS_URL="redis://127.0.0.1:6379/9")
    without = run_manage("shell", "-c", show)

    assert with_redis.stdout.strip().endswith("backends.redis.RedisCache"), with_redis.stderr
    assert without.stdout.strip().endswith("backends.locmem.LocMemCache"), without.stderr


def test_a_cache_that_is_down_lets_logins_through_instead_of_failing(alice, settings, caplog):
    settings.CHAT_LOGINS_PER_HOUR = 1
    redis_down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }

    with override_settings(CACHES={"default": redis_down}):
        assert log_in(from_address("10.0.0.1"), "alice").status_code == 302

    assert "login throttle skipped" in caplog.text
