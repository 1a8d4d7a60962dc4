"""Deleting one's own account: confirmed with the password; the person goes, their messages stay ("Deleted
user"), and nothing that shows those messages breaks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from messaging import actions, catchup
from messaging.errors import NotAllowed
from messaging.models import Mention, Message, Reaction, Revision
from presence.models import Connection
from rooms import actions as room_actions
from rooms.models import Membership
from tests.conftest import PASSWORD, login_client

pytestmark = pytest.mark.django_db


def delete(client, password: str = PASSWORD, **kwargs):
    return client.post("/accounts/delete/", {"password": password}, **kwargs)


def gone(user) -> bool:
    return not get_user_model().objects.filter(pk=user.pk).exists()


@pytest.fixture
def alice_left(room, alice, bob, django_capture_on_commit_callbacks):
    """alice posted in the open room, reacted, and had a conversation with bob; then deleted her account."""
    Membership.objects.create(room=room, user=alice)
    Membership.objects.create(room=room, user=bob)
    message = actions.post_message(alice, room, "hello from alice")
    bobs = actions.post_message(bob, room, "hi @alice")
    actions.toggle_reaction(alice, room, bobs.pk, "👍")
    direct = room_actions.open_direct(bob, alice)
    actions.post_message(alice, direct, "a private word")
    with django_capture_on_commit_callbacks(execute=True):
        assert delete(login_client(alice)).status_code == 200
    message.refresh_from_db()
    return message


def test_the_confirm_page_asks_for_the_password_and_needs_a_login(alice):
    page = login_client(alice).get("/accounts/delete/").content.decode()

    assert 'name="password"' in page
    assert "Deleted user" in page
    assert Client().get("/accounts/delete/").status_code == 302


@pytest.mark.parametrize("password", ["wrong", "", PASSWORD.upper(), "\x00", "x" * 100_000])
def test_a_wrong_password_deletes_nothing(alice, password):
    response = delete(login_client(alice), password)

    assert response.status_code == 400
    assert not gone(alice)


def test_a_password_of_broken_utf_8_is_just_wrong(alice):
    response = login_client(alice).post(
        "/accounts/delete/", "password=%ED%A0%80", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert not gone(alice)


def test_a_get_deletes_nothing(alice):
    login_client(alice).get("/accounts/delete/", {"password": PASSWORD})

    assert not gone(alice)


def test_deleting_signs_out_every_session_and_closes_the_sockets(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    revoked: list[int] = []
    monkeypatch.setattr("presence.broadcasts.user_revoked", revoked.append)
    here, elsewhere = login_client(alice), login_client(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = delete(here)

    assert "Your account is deleted" in response.content.decode()
    assert gone(alice)
    assert revoked == [alice.pk]
    assert here.get("/rooms/").status_code == 302
    assert elsewhere.get("/rooms/").status_code == 302
    assert not Session.objects.exists()


def test_the_person_goes_with_memberships_reactions_presence_and_mentions_but_messages_stay(
    alice_left, alice
):
    assert gone(alice)
    assert alice_left.author_id is None
    assert alice_left.body == "hello from alice"
    assert not Membership.objects.filter(user_id=alice.pk).exists()
    assert not Reaction.objects.exists()
    assert not Mention.objects.filter(user_id=alice.pk).exists()
    assert not Connection.objects.filter(user_id=alice.pk).exists()


def test_messages_she_reacted_to_are_marked_revised_for_catch_up(room, alice, bob):
    bobs = actions.post_message(bob, room, "react to this")
    actions.toggle_reaction(alice, room, bobs.pk, "👍")
    Message.objects.update(revised_at=None)

    delete(login_client(alice))

    bobs.refresh_from_db()
    assert bobs.revised_at is not None
    assert bobs.revised_at > timezone.now() - timedelta(minutes=1)


def test_her_revisions_keep_their_text(room, alice, bob):
    message = actions.post_message(alice, room, "first words")
    actions.edit_message(alice, room, message.pk, "second words")

    delete(login_client(alice))

    assert Revision.objects.get().body == "first words"
    assert Revision.objects.get().editor is None


def test_the_last_administrator_may_not_delete_their_account(admin_user):
    client = login_client(admin_user)

    response = delete(client, "password")  # pytest-django's admin_user password

    assert response.status_code == 400
    assert "only administrator" in response.content.decode()
    assert not gone(admin_user)


def test_an_administrator_may_go_when_another_remains(admin_user, django_user_model):
    django_user_model.objects.create_superuser("other-admin", password="x")
    client = login_client(admin_user)

    delete(client, "password")

    assert gone(admin_user)


def test_bobs_room_page_shows_her_message_as_deleted_user_without_a_link(alice_left, room, bob):
    page = login_client(bob).get("/rooms/general/").content.decode()

    article = re.search(rf'<article id="message-{alice_left.pk}"[^>]*>.*?</article>', page, re.S)
    assert article is not None
    assert 'data-author=""' in article.group(0)
    assert "Deleted user" in article.group(0)
    assert "hello from alice" in article.group(0)
    assert "/dm/" not in article.group(0)
    assert "/dm/None/" not in page


def test_search_still_finds_her_message(alice_left, bob):
    page = login_client(bob).get("/search/", {"q": "hello from"}).content.decode()

    assert f'id="result-{alice_left.pk}"' in page
    assert "Deleted user" in page


def test_bobs_conversation_list_and_sidebar_show_deleted_user(alice_left, bob):
    client = login_client(bob)

    listing = client.get("/dm/")
    room_page = client.get("/rooms/general/").content.decode()

    assert listing.status_code == 200
    assert "Deleted user" in listing.content.decode()
    assert "/dm/None/" not in listing.content.decode()
    assert re.search(r'<a href="/rooms/dm-\d+-\d+/"[^>]*>Deleted user</a>', room_page)


def test_the_conversation_stays_readable_for_bob_and_refuses_posts_clearly(alice_left, bob):
    client = login_client(bob)
    direct = Membership.objects.get(user=bob, room__kind="direct").room

    page = client.get(f"/rooms/{direct.slug}/")
    refused = client.post(f"/rooms/{direct.slug}/", {"body": "are you there?"})

    assert page.status_code == 200
    assert "a private word" in page.content.decode()
    assert "deleted their account" in page.content.decode()
    assert refused.status_code == 403
    assert "deleted their account" in refused.content.decode()
    assert not Message.objects.filter(body="are you there?").exists()
    with pytest.raises(NotAllowed):
        actions.post_message(bob, direct, "over the socket")


def test_her_old_conversation_address_is_not_reachable_by_name(alice_left, bob, make_user):
    client = login_client(bob)

    assert client.get("/dm/alice/").status_code == 404
    # Someone taking her name later does not inherit the conversation.
    make_user("alice")
    assert "a private word" not in client.get("/dm/alice/").content.decode()


def test_nobody_but_staff_may_edit_or_delete_her_messages(alice_left, room, bob, carol, django_user_model):
    for person in (bob, carol):
        with pytest.raises(NotAllowed):
            actions.edit_message(person, room, alice_left.pk, "rewritten")
        with pytest.raises(NotAllowed):
            actions.delete_own_message(person, room, alice_left.pk)
    actions_page = login_client(bob).get(
        f"/rooms/general/messages/{alice_left.pk}/actions/", HTTP_HX_REQUEST="true"
    )
    assert "message-edit" not in actions_page.content.decode()

    staff = django_user_model.objects.create_user("mod", password="x", is_staff=True)
    actions.edit_message(staff, room, alice_left.pk, "moderated @room")
    actions.delete_own_message(staff, room, alice_left.pk)
    assert Message.objects.get(pk=alice_left.pk).is_deleted


def test_a_reply_to_her_message_quotes_deleted_user(alice_left, room, bob):
    actions.post_message(bob, room, "answering", reply_to=alice_left.pk)

    page = login_client(bob).get("/rooms/general/").content.decode()

    assert re.search(r'class="message-reply"[^>]*>.*?<strong>Deleted user</strong>', page, re.S)


def test_a_mention_by_her_still_shows_on_the_mentions_page(room, alice, bob):
    actions.post_message(alice, room, "ping @bob")
    delete(login_client(alice))

    page = login_client(bob).get("/mentions/")

    assert page.status_code == 200
    assert "Deleted user" in page.content.decode()


def test_catch_up_and_the_pushed_partial_render_her_message(alice_left, room, bob):
    plan = catchup.plan(room, 0, timezone.now())
    frames = "".join(catchup.render_step(room, template, ids) for template, ids in catchup.steps(plan))
    pushed = login_client(bob).get(f"/rooms/general/messages/{alice_left.pk}/", HTTP_HX_REQUEST="true")

    assert "hello from alice" in frames
    assert "Deleted user" in frames
    assert "Deleted user" in pushed.content.decode()


def test_the_message_admin_lists_her_message(alice_left, admin_user):
    page = login_client(admin_user).get("/admin/messaging/message/")
    detail = login_client(admin_user).get(f"/admin/messaging/message/{alice_left.pk}/change/")

    assert page.status_code == 200
    assert detail.status_code == 200


def test_two_deleted_peoples_messages_are_not_grouped_as_one_persons(room, alice, bob):
    actions.post_message(alice, room, "one")
    actions.post_message(bob, room, "two")
    delete(login_client(alice))
    delete(login_client(bob))
    carol = get_user_model().objects.create_user("carol", password=PASSWORD)

    page = login_client(carol).get("/rooms/general/").content.decode()

    assert page.count("message-grouped") == 0


def test_a_banned_administrator_does_not_count_as_the_one_who_remains(admin_user, django_user_model):
    other = django_user_model.objects.create_superuser("other-admin", password="x")
    other.is_active = False
    other.save()
    client = login_client(admin_user)

    response = delete(client, "password")

    assert response.status_code == 400
    assert not gone(admin_user)
