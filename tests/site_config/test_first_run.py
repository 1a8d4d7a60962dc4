"""The first run: while no superuser exists, /setup/ makes the first administrator, once."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from site_config import actions
from site_config.forms import FirstRunForm

pytestmark = pytest.mark.django_db

FIELDS = {"username": "root", "password1": "a-long-passphrase", "password2": "a-long-passphrase"}


def test_a_fresh_install_offers_the_first_run_and_it_makes_a_signed_in_administrator():
    client = Client()
    assert client.get("/setup/").status_code == 200
    assert 'href="/setup/"' in client.get("/accounts/login/").content.decode()

    response = client.post("/setup/", FIELDS)

    assert response.status_code == 302
    admin = get_user_model().objects.get(username="root")
    assert admin.is_staff
    assert admin.is_superuser
    assert client.get("/admin/").status_code == 200


def test_once_used_the_first_run_is_gone_and_the_login_page_stops_linking_to_it():
    Client().post("/setup/", FIELDS)

    assert Client().get("/setup/").status_code == 404
    assert Client().post("/setup/", FIELDS | {"username": "second"}).status_code == 404
    assert not get_user_model().objects.filter(username="second").exists()
    assert 'href="/setup/"' not in Client().get("/accounts/login/").content.decode()


def test_createsuperuser_also_closes_the_first_run(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-passphrase")
    call_command("createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.com")

    assert Client().get("/setup/").status_code == 404


def test_someone_signing_up_first_is_not_made_an_administrator():
    Client().post("/accounts/signup/", FIELDS | {"username": "early"})

    early = get_user_model().objects.get(username="early")
    assert not early.is_staff
    assert not early.is_superuser
    assert Client().get("/setup/").status_code == 200  # still no administrator


def test_an_invalid_first_run_form_makes_nothing():
    response = Client().post("/setup/", FIELDS | {"password2": "different"})

    assert response.status_code == 400
    assert not get_user_model().objects.exists()


def test_the_check_is_made_again_inside_the_transaction_that_creates():
    """The page was available when the form was checked; someone else finished first."""
    form = FirstRunForm(FIELDS)
    assert form.is_valid()
    get_user_model().objects.create_superuser("quicker", password="x")

    assert actions.create_first_admin(form) is None
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["quicker"]


def test_first_run_posts_are_throttled_like_sign_ups(settings):
    settings.CHAT_SIGNUPS_PER_HOUR = 1
    cache.clear()
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.post("/accounts/signup/", FIELDS | {"username": "early"})

    assert client.post("/setup/", FIELDS).status_code == 429
    assert not get_user_model().objects.filter(is_superuser=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_first_runs_at_once_make_one_administrator():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("threads do not share the in-memory test database's locks")
    barrier = threading.Barrier(2)
    made: list[object] = []

    def run(name: str) -> None:
        form = FirstRunForm(FIELDS | {"username": name})
        assert form.is_valid()
        barrier.wait()
        try:
            made.append(actions.create_first_admin(form))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([user for user in made if user is not None]) == 1
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
