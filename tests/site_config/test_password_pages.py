"""Changing a password (the session that changed it stays in, the others go) and resetting one by e-mail."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from site_config.email_url import parse_email_url
from tests.conftest import PASSWORD, login_client

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-passphrase"


def change(client: Client, old: str = PASSWORD):
    fields = {"old_password": old, "new_password1": NEW, "new_password2": NEW}
    return client.post("/accounts/password_change/", fields)


def test_the_change_password_page_is_in_the_sites_style_and_needs_a_login(alice):
    page = login_client(alice).get("/accounts/password_change/").content.decode()

    assert "auth-card" in page
    assert "Change your password" in page
    assert Client().get("/accounts/password_change/").status_code == 302


def test_changing_the_password_keeps_this_session_and_signs_out_the_others(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    revoked: list[int] = []
    monkeypatch.setattr("presence.broadcasts.user_revoked", revoked.append)
    here, elsewhere = login_client(alice), login_client(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = change(here)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    assert "Password changed" in here.get("/accounts/password_change/done/").content.decode()
    assert here.get("/rooms/").status_code == 200
    assert elsewhere.get("/rooms/").status_code == 302
    # Every socket of the user closes (4401), this session's other open tabs too; reloaded, they are still
    # signed in (the session carries the new password's hash).
    assert revoked == [alice.pk]
    assert Client().post("/accounts/login/", {"username": "alice", "password": NEW}).status_code == 302


def test_a_wrong_old_password_changes_nothing(alice):
    client = login_client(alice)

    response = change(client, old="not-it")

    assert response.status_code == 200
    assert "incorrectly" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_login_page_offers_a_password_reset():
    assert 'href="/accounts/password_reset/"' in Client().get("/accounts/login/").content.decode()


def test_a_reset_mails_a_link_that_sets_a_new_password(alice):
    alice.email = "alice@example.com"
    alice.save()
    client = Client()

    response = client.post("/accounts/password_reset/", {"email": "ALICE@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert "new password is set" in client.get("/accounts/reset/done/").content.decode()


def test_a_reset_does_not_reveal_whether_an_address_has_an_account(alice):
    """alice has no address: nobody is mailed, and the answer is the same as for a known address."""
    unknown = Client().post("/accounts/password_reset/", {"email": "nobody@example.com"}, follow=True)
    bob = get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
    known = Client().post("/accounts/password_reset/", {"email": bob.email}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]


def test_a_used_or_forged_reset_link_says_so():
    page = Client().get("/accounts/reset/MQ/forged-token/").content.decode()

    assert "does not work any more" in page


def test_reset_requests_are_throttled_per_address(settings):
    settings.CHAT_SIGNUPS_PER_HOUR = 1
    cache.clear()
    client = Client(REMOTE_ADDR="10.0.0.3")
    client.post("/accounts/password_reset/", {"email": "a@example.com"})

    refused = client.post("/accounts/password_reset/", {"email": "a@example.com"})

    assert refused.status_code == 429
    assert "password resets" in refused.content.decode()


def test_the_default_mail_backend_prints_to_the_console():
    from site_config import settings as module

    assert module.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:s%40cret%3A@mail.example.com:2525",
            ("mail.example.com", 2525, "mailer", "s@cret:", False, False),
        ),
        ("smtp+tls://u:p@mail.example.com", ("mail.example.com", 587, "u", "p", True, False)),
        ("smtp+ssl://u:p@mail.example.com", ("mail.example.com", 465, "u", "p", False, True)),
        ("smtp://localhost", ("localhost", 25, "", "", False, False)),
    ],
)
def test_email_url_gives_djangos_smtp_settings(url, expected):
    parsed = parse_email_url(url)

    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (
        parsed["EMAIL_HOST"],
        parsed["EMAIL_PORT"],
        parsed["EMAIL_HOST_USER"],
        parsed["EMAIL_HOST_PASSWORD"],
        parsed["EMAIL_USE_TLS"],
        parsed["EMAIL_USE_SSL"],
    ) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://host:notaport", "mail.example.com"]
)
def test_a_malformed_email_url_stops_the_server_with_a_clear_error(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        parse_email_url(url)


def test_email_settings_come_from_the_environment(monkeypatch):
    import importlib

    import site_config.settings as module

    monkeypatch.setenv("EMAIL_URL", "smtp+tls://u:p@smtp.example.com:2587")
    monkeypatch.setenv("CHAT_FROM_EMAIL", "chat@example.com")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.EMAIL_HOST == "smtp.example.com"
        assert reloaded.EMAIL_PORT == 2587
        assert reloaded.EMAIL_USE_TLS is True
        assert reloaded.DEFAULT_FROM_EMAIL == "chat@example.com"
    finally:
        monkeypatch.undo()
        importlib.reload(module)
