"""Who may create an account: CHAT_SIGNUP (open, invite, closed), the e-mail domain rule, invitation links."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from people import signup_invitations
from people.models import SignupInvitation
from tests.conftest import login_client

pytestmark = pytest.mark.django_db

FIELDS = {"username": "dora", "password1": "a-long-passphrase", "password2": "a-long-passphrase"}
INVALID_LINK = "This invitation link is not valid"


def users() -> list[str]:
    return list(get_user_model().objects.values_list("username", flat=True))


def invitation(days: int = 7, max_uses: int | None = None) -> SignupInvitation:
    staff = get_user_model().objects.create_user("staffer", password="x", is_staff=True)
    return signup_invitations.create(staff, days, max_uses)


# CHAT_SIGNUP


def test_open_sign_up_works_with_exactly_the_three_contract_fields(settings):
    settings.CHAT_SIGNUP = "open"

    assert Client().post("/accounts/signup/", FIELDS).status_code == 302
    assert users() == ["dora"]


def test_closed_sign_up_says_so_refuses_posts_and_the_login_page_hides_the_link(settings):
    settings.CHAT_SIGNUP = "closed"

    page = Client().get("/accounts/signup/")
    refused = Client().post("/accounts/signup/", FIELDS)
    login = Client().get("/accounts/login/").content.decode()

    assert "Sign-up is closed" in page.content.decode()
    assert refused.status_code == 403
    assert users() == []
    assert 'href="/accounts/signup/"' not in login


def test_the_login_page_links_to_sign_up_when_it_is_open(settings):
    settings.CHAT_SIGNUP = "open"

    assert 'href="/accounts/signup/"' in Client().get("/accounts/login/").content.decode()


def test_invite_only_sign_up_refuses_the_plain_form(settings):
    settings.CHAT_SIGNUP = "invite"

    page = Client().get("/accounts/signup/").content.decode()
    refused = Client().post("/accounts/signup/", FIELDS)

    assert "by invitation" in page
    assert refused.status_code == 403
    assert users() == []


# e-mail domains


@pytest.mark.parametrize(
    "email",
    [
        "",
        "dora@evil-example.com",
        "dora@example.com.evil.org",
        "dora@sub.example.com",
        "example.com",
        "dora@",
    ],
)
def test_with_email_domains_an_address_elsewhere_or_none_is_refused(settings, email):
    settings.CHAT_SIGNUP_EMAIL_DOMAINS = ["example.com", "example.org"]

    response = Client().post("/accounts/signup/", FIELDS | {"email": email})

    assert response.status_code == 400
    assert users() == []


@pytest.mark.parametrize("email", ["dora@example.com", "Dora@EXAMPLE.COM", "dora@example.org"])
def test_with_email_domains_an_address_there_signs_up_whatever_its_case(settings, email):
    settings.CHAT_SIGNUP_EMAIL_DOMAINS = ["example.com", "example.org"]

    assert Client().post("/accounts/signup/", FIELDS | {"email": email}).status_code == 302
    assert get_user_model().objects.get().email.lower() == email.lower()


def test_without_email_domains_the_address_is_optional_and_kept(settings):
    settings.CHAT_SIGNUP_EMAIL_DOMAINS = []

    assert Client().post("/accounts/signup/", FIELDS | {"email": "dora@anywhere.net"}).status_code == 302
    assert get_user_model().objects.get().email == "dora@anywhere.net"


def test_the_domain_rule_is_read_from_the_environment(monkeypatch):
    import importlib

    import site_config.settings as module

    monkeypatch.setenv("CHAT_SIGNUP_EMAIL_DOMAINS", " Example.COM, @example.org ,")
    monkeypatch.setenv("CHAT_SIGNUP", "Invite")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.CHAT_SIGNUP_EMAIL_DOMAINS == ["example.com", "example.org"]
        assert reloaded.CHAT_SIGNUP == "invite"
    finally:
        monkeypatch.undo()
        importlib.reload(module)


# invitation links


def test_an_invitation_link_signs_someone_up_when_sign_up_is_invite_only(settings):
    settings.CHAT_SIGNUP = "invite"
    link = invitation()

    assert Client().get(f"/accounts/signup/{link.token}/").status_code == 200
    response = Client().post(f"/accounts/signup/{link.token}/", FIELDS)

    assert response.status_code == 302
    assert "dora" in users()
    link.refresh_from_db()
    assert link.uses == 1
    assert len(link.token) >= 43


def test_a_failed_sign_up_through_a_link_does_not_spend_a_use(settings):
    settings.CHAT_SIGNUP = "invite"
    link = invitation(max_uses=1)

    bad = Client().post(f"/accounts/signup/{link.token}/", FIELDS | {"password2": "different"})

    assert bad.status_code == 400
    link.refresh_from_db()
    assert link.uses == 0


def invalid_links() -> dict[str, str]:
    now = timezone.now()
    staff = get_user_model().objects.create_user("staffer", password="x", is_staff=True)
    expired = signup_invitations.create(staff, 7, None)
    SignupInvitation.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))
    revoked = signup_invitations.create(staff, 7, None)
    signup_invitations.revoke(revoked.pk)
    used_up = signup_invitations.create(staff, 7, 2)
    SignupInvitation.objects.filter(pk=used_up.pk).update(uses=2)
    return {
        "guessed": "x" * 43,
        "expired": expired.token,
        "revoked": revoked.token,
        "used up": used_up.token,
        "too long": "y" * 5000,
        "odd characters": "%C3%A9%00",
    }


def test_guessed_expired_revoked_and_used_up_links_get_the_same_page_and_create_nothing(settings):
    settings.CHAT_SIGNUP = "invite"
    answers = set()
    for token in invalid_links().values():
        for method in ("get", "post"):
            response = getattr(Client(), method)(f"/accounts/signup/{token}/", FIELDS)
            text = response.content.decode()
            assert INVALID_LINK in text
            answers.add((response.status_code, text.replace(token, "")))

    assert len(answers) == 1
    assert "dora" not in users()


def test_links_do_not_work_when_sign_up_is_closed(settings):
    settings.CHAT_SIGNUP = "closed"
    link = invitation()

    response = Client().post(f"/accounts/signup/{link.token}/", FIELDS)

    assert INVALID_LINK in response.content.decode()
    assert "dora" not in users()


def test_a_one_use_link_lets_in_the_first_and_refuses_the_second(settings):
    settings.CHAT_SIGNUP = "invite"
    link = invitation(max_uses=1)

    first = Client().post(f"/accounts/signup/{link.token}/", FIELDS)
    second = Client().post(f"/accounts/signup/{link.token}/", FIELDS | {"username": "eve"})

    assert first.status_code == 302
    assert INVALID_LINK in second.content.decode()
    assert "eve" not in users()


def test_a_link_used_up_between_its_form_and_the_sign_up_creates_nothing(settings, monkeypatch):
    """The check on arrival passes, the use is taken by someone else just before this sign-up commits."""
    settings.CHAT_SIGNUP = "invite"
    link = invitation(max_uses=1)
    real_use = signup_invitations.use

    def someone_else_first(token: str) -> bool:
        assert real_use(token)
        return real_use(token)

    monkeypatch.setattr(signup_invitations, "use", someone_else_first)

    response = Client().post(f"/accounts/signup/{link.token}/", FIELDS)

    assert INVALID_LINK in response.content.decode()
    assert "dora" not in users()


@pytest.mark.django_db(transaction=True)
def test_two_threads_using_the_last_use_of_a_link_at_once_get_one_use():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("threads do not share the in-memory test database's locks")
    link = invitation(max_uses=1)
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def use() -> None:
        barrier.wait()
        try:
            results.append(signup_invitations.use(link.token))
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]


def test_every_sign_up_throttle_covers_invitation_links(settings):
    settings.CHAT_SIGNUP = "invite"
    settings.CHAT_SIGNUPS_PER_HOUR = 1
    cache.clear()
    link = invitation()
    client = Client(REMOTE_ADDR="10.0.0.9")
    client.post("/accounts/signup/", FIELDS)

    refused = client.post(f"/accounts/signup/{link.token}/", FIELDS)

    assert refused.status_code == 429
    assert "dora" not in users()


# staff's page


def test_staff_make_list_and_revoke_links(admin_user):
    client = login_client(admin_user)

    assert client.post("/accounts/invitations/", {"days": "3", "max_uses": "2"}).status_code == 302
    link = SignupInvitation.objects.get()
    page = client.get("/accounts/invitations/").content.decode()
    assert f"/accounts/signup/{link.token}/" in page
    assert link.max_uses == 2
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)
    assert link.created_by == admin_user

    assert client.post(f"/accounts/invitations/{link.pk}/revoke/").status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert not signup_invitations.is_valid(link.token)


def test_a_link_without_uses_lets_any_number_in_and_defaults_to_seven_days(admin_user):
    client = login_client(admin_user)

    assert client.post("/accounts/invitations/", {"days": "7"}).status_code == 302
    assert SignupInvitation.objects.get().max_uses is None
    assert 'value="7"' in client.get("/accounts/invitations/").content.decode()


@pytest.mark.parametrize(
    "fields", [{"days": "0"}, {"days": "100000"}, {"days": "x"}, {"days": "3", "max_uses": "-1"}, {}]
)
def test_hostile_invitation_forms_get_400_and_make_nothing(admin_user, fields):
    response = login_client(admin_user).post("/accounts/invitations/", fields)

    assert response.status_code == 400
    assert not SignupInvitation.objects.exists()


def test_people_who_are_not_staff_may_not_see_or_make_links(alice):
    client = login_client(alice)

    assert client.get("/accounts/invitations/").status_code == 403
    assert client.post("/accounts/invitations/", {"days": "3"}).status_code == 403
    assert not SignupInvitation.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in():
    assert Client().get("/accounts/invitations/").status_code == 302


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_revoking_a_link_that_does_not_exist_changes_nothing_and_never_fails(admin_user, pk):
    link = signup_invitations.create(admin_user, 7, None)

    response = login_client(admin_user).post(f"/accounts/invitations/{pk}/revoke/")

    assert response.status_code in (302, 404)
    assert signup_invitations.is_valid(link.token)
