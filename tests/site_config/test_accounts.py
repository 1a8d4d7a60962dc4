from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_signing_up_creates_the_account_and_signs_in():
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {"username": "dora", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )

    assert response.status_code == 302
    assert get_user_model().objects.filter(username="dora").exists()
    assert client.get("/rooms/").status_code == 200


def test_signing_up_with_mismatched_passwords_shows_an_error():
    response = Client().post(
        "/accounts/signup/",
        {"username": "dora", "password1": "a-long-passphrase", "password2": "another-one"},
    )

    assert response.status_code == 400
    assert not get_user_model().objects.exists()


def test_logging_in_and_out(alice):
    from tests.conftest import PASSWORD

    client = Client()
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert client.get("/rooms/").status_code == 200

    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/rooms/").status_code == 302


def test_a_wrong_password_does_not_log_in(alice):
    response = Client().post("/accounts/login/", {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_repeated_wrong_passwords_lock_that_login_out_for_a_while(alice, settings):
    from tests.conftest import PASSWORD

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "guess"})

    locked = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert client.get("/rooms/").status_code == 302


def test_a_lockout_of_one_user_leaves_others_alone(alice, bob, settings):
    from tests.conftest import PASSWORD

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "guess"})

    assert client.post("/accounts/login/", {"username": "bob", "password": PASSWORD}).status_code == 302


def test_signing_out_closes_the_sockets_of_that_session(alice, monkeypatch):
    ended: list[str] = []
    monkeypatch.setattr("presence.actions.end_session", ended.append)
    client = Client()
    client.force_login(alice)
    session_key = client.session.session_key

    client.post("/accounts/logout/")

    assert ended == [session_key]


def test_a_username_differing_only_in_case_from_a_taken_one_is_refused(alice):
    response = Client().post(
        "/accounts/signup/",
        {"username": "Alice", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert get_user_model().objects.filter(username__iexact="alice").count() == 1


@pytest.mark.parametrize(
    "username",
    [
        "\u0430lice",  # Cyrillic a: looks exactly like "alice"
        "b\u043eb",  # Cyrillic o
        "\u03b1lpha",  # Greek alpha
        "jos\u00e9",
        "\u00e9",
    ],
)
def test_a_username_outside_ascii_is_refused(username):
    response = Client().post(
        "/accounts/signup/",
        {"username": username, "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )

    assert response.status_code == 400
    assert not get_user_model().objects.exists()


def test_the_ascii_username_characters_django_allows_are_accepted():
    response = Client().post(
        "/accounts/signup/",
        {"username": "dora.m+1@x_y-z", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )

    assert response.status_code == 302
    assert get_user_model().objects.filter(username="dora.m+1@x_y-z").exists()
