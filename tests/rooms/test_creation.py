"""Rooms are created by a POST only; nothing tells a non-member whether a room they may not read exists."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from messaging.models import Message
from presence.models import Connection
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def cross_site_image(client: Client, path: str) -> int:
    """What a signed-in browser sends for `<img src=path>` on another site: a GET with its cookies."""
    response = client.get(path, HTTP_SEC_FETCH_SITE="cross-site", HTTP_SEC_FETCH_DEST="image")
    return response.status_code


def nothing_stored() -> bool:
    return not (Room.objects.exists() or Membership.objects.exists() or Message.objects.exists())


def test_cross_site_images_of_a_room_and_a_conversation_create_nothing(alice, bob):
    client = login_client(alice)

    assert cross_site_image(client, "/rooms/x/") == 404
    assert cross_site_image(client, "/dm/bob/") == 200

    assert nothing_stored()


def test_the_offer_cannot_be_submitted_from_another_site(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post("/rooms/", {"name": "x"}).status_code == 403

    assert nothing_stored()


def test_viewing_an_open_room_does_not_join_it(room, alice):
    assert login_client(alice).get("/rooms/general/").status_code == 200

    assert not Membership.objects.exists()


def test_a_huge_slug_is_a_plain_404_that_stores_nothing_and_does_not_echo_it(alice):
    slug = "a" * 16_000

    response = login_client(alice).get(f"/rooms/{slug}/")

    assert response.status_code == 404
    assert "a" * 81 not in response.content.decode()
    assert len(response.content) < 5_000
    assert nothing_stored()


@pytest.mark.parametrize("slug", ["dm-1-2", "DM-1-2", "Dm-x"])
def test_an_address_in_the_conversation_shape_is_a_plain_404(alice, slug):
    response = login_client(alice).get(f"/rooms/{slug}/")

    assert response.status_code == 404
    assert 'name="name"' not in response.content.decode()
    assert nothing_stored()


def test_an_address_without_a_letter_or_digit_is_a_plain_404(alice):
    response = login_client(alice).get("/rooms/-_-/")

    assert response.status_code == 404
    assert 'name="name"' not in response.content.decode()


def test_a_message_posted_to_a_room_that_does_not_exist_stores_nothing(alice):
    assert login_client(alice).post("/rooms/nowhere/", {"body": "hi"}).status_code == 404

    assert nothing_stored()


def comparable(response, name: str) -> str:
    return CSRF_TOKEN.sub("csrf", response.content.decode()).replace(name, "NAME")


def test_a_private_room_looks_exactly_like_a_free_name_to_a_non_member(alice, bob):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=secret, user=alice)
    Message.objects.create(room=secret, author=alice, body="the plan")
    client = login_client(bob)

    hidden = client.get("/rooms/secret/")
    free = client.get("/rooms/vacant/")
    hidden_post = client.post("/rooms/secret/", {"body": "let me in"})
    free_post = client.post("/rooms/vacant/", {"body": "let me in"})

    assert hidden.status_code == free.status_code == hidden_post.status_code == free_post.status_code == 404
    assert comparable(hidden, "secret") == comparable(free, "vacant")
    assert comparable(hidden_post, "secret") == comparable(free_post, "vacant")
    assert "the plan" not in hidden.content.decode()
    assert Message.objects.count() == 1


def test_creating_a_room_named_like_a_hidden_one_gives_a_new_room_at_another_address(alice, bob, carol):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=secret, user=alice)

    by_bob = login_client(bob).post("/rooms/", {"name": "Secret"})
    by_carol = login_client(carol).post("/rooms/", {"name": "secret"})
    by_alice = login_client(alice).post("/rooms/", {"name": "secret"})

    created = Room.objects.exclude(pk=secret.pk).get()
    assert (created.name, created.slug, created.kind) == ("Secret", "secret-2", Room.Kind.OPEN)
    assert by_bob["Location"] == by_carol["Location"] == "/rooms/secret-2/"
    assert by_alice["Location"] == "/rooms/secret/"
    assert login_client(bob).get("/rooms/secret-2/").status_code == 200


def test_the_new_address_skips_numbered_ones_already_taken(alice, bob):
    Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Room.objects.create(name="Secret 2", slug="secret-2", kind=Room.Kind.OPEN)

    response = login_client(bob).post("/rooms/", {"name": "secret"})

    assert response["Location"] == "/rooms/secret-3/"
    assert Room.objects.get(slug="secret-3").name == "secret"


def test_a_name_in_the_conversation_shape_is_refused_even_when_that_conversation_exists(alice, bob):
    room_actions.open_direct(alice, bob)

    response = login_client(alice).post("/rooms/", {"name": f"dm {alice.pk} {bob.pk}"})

    assert response.status_code == 400
    assert "reserved" in response.content.decode()


def test_the_room_selector_shows_a_non_member_no_count_of_a_private_room(alice, bob):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Connection.objects.create(key="a", user=alice, room=secret, server="s", last_seen=timezone.now())

    page = login_client(bob).get("/rooms/").content.decode()

    assert f"room-count-{secret.pk}" not in page
