from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from messaging import actions as message_actions
from messaging.errors import Muted
from messaging.models import Message
from people.models import AuditEntry
from rooms import moderation
from rooms.models import Mute
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def test_staff_mute_someone_in_a_room_from_the_members_page_and_it_is_audited(staff, alice, room):
    response = login_client(staff).post("/rooms/general/mute/", {"username": "alice", "minutes": "60"})

    mute = Mute.objects.get()
    assert response.status_code == 302
    assert (mute.user, mute.room) == (alice, room)
    assert timedelta(minutes=59) < mute.until - timezone.now() <= timedelta(minutes=60)
    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.action, entry.target_name) == ("sam", "mute", "alice")
    assert "#general until" in entry.detail


def test_a_muted_person_reads_but_cannot_post_edit_or_react_and_is_told_until_when(staff, alice, room):
    earlier = Message.objects.create(room=room, author=alice, body="before")
    moderation.mute(staff, room, alice, 60)
    client = login_client(alice)

    page = client.get("/rooms/general/")
    posted = client.post("/rooms/general/", {"body": "let me talk"})

    assert page.status_code == 200
    assert "before" in page.content.decode()
    assert "You are muted in this room until" in page.content.decode()
    assert posted.status_code == 403
    assert "You are muted in this room until" in posted.content.decode()
    assert not Message.objects.filter(body="let me talk").exists()
    with pytest.raises(Muted):
        message_actions.edit_message(alice, room, earlier.pk, "changed")
    with pytest.raises(Muted):
        message_actions.toggle_reaction(alice, room, earlier.pk, "👍")


def test_a_mute_holds_in_its_room_only_and_ends_on_time(staff, alice, bob, room):
    from rooms.models import Room

    other = Room.objects.create(name="other", slug="other")
    moderation.mute(staff, room, alice, 5)

    assert message_actions.post_message(alice, other, "elsewhere is fine")
    assert message_actions.post_message(bob, room, "bob is fine")
    Mute.objects.update(until=timezone.now() - timedelta(seconds=1))
    assert message_actions.post_message(alice, room, "back again")


def test_a_muted_post_in_a_batch_takes_no_other_post_down(staff, alice, bob, room):
    moderation.mute(staff, room, alice, 60)

    results = message_actions.post_messages(
        [message_actions.Post(alice, room, "muted"), message_actions.Post(bob, room, "fine")]
    )

    assert isinstance(results[0], Muted)
    assert isinstance(results[1], Message)


def test_only_staff_mute_and_nobody_mutes_themselves_or_for_silly_durations(staff, alice, bob, room):
    assert (
        login_client(alice).post("/rooms/general/mute/", {"username": "bob", "minutes": "60"}).status_code
        == 403
    )
    client = login_client(staff)
    assert client.post("/rooms/general/mute/", {"username": "sam", "minutes": "60"}).status_code == 400
    for minutes in ["0", "-5", "99999999", "x", ""]:
        assert client.post("/rooms/general/mute/", {"username": "bob", "minutes": minutes}).status_code == 400
    assert client.post("/rooms/general/mute/", {"username": "ghost", "minutes": "60"}).status_code == 404
    assert not Mute.objects.exists()


def test_unmuting_lets_them_post_again_and_is_audited(staff, alice, room):
    moderation.mute(staff, room, alice, 60)

    response = login_client(staff).post("/rooms/general/members/alice/unmute/")

    assert response.status_code == 302
    assert not Mute.objects.exists()
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == ["mute", "unmute"]
    assert message_actions.post_message(alice, room, "free")


@pytest.mark.django_db(transaction=True)
async def test_a_muted_socket_stays_open_and_gets_the_reason_for_the_sender_only(
    connect, staff, alice, bob, room
):
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await database_sync_to_async(moderation.mute)(staff, room, alice, 60)

    await a.send(body="can anyone hear me")
    await a.receive_until("You are muted in this room until")
    await b.send(body="bob speaks")

    await a.receive_until("bob speaks")
    await b.receive_until("bob speaks")
    assert not b.heard_about("can anyone hear me")
    assert not b.heard_about("You are muted")
    assert not await database_sync_to_async(Message.objects.filter(body="can anyone hear me").exists)()


def test_staff_deleting_someone_elses_message_is_audited_and_own_deletions_are_not(staff, alice, room):
    theirs = Message.objects.create(room=room, author=alice, body="rude")
    own = Message.objects.create(room=room, author=staff, body="mine")

    message_actions.delete_own_message(staff, room, theirs.pk)
    message_actions.delete_own_message(staff, room, own.pk)

    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.action, entry.target_name) == ("sam", "delete_message", "alice")
    assert entry.detail == f"message {theirs.pk} in #general"


def test_the_audit_log_is_read_only_in_the_admin(make_user):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "r@example.com", "pw-123456789")
    entry = AuditEntry.objects.create(actor=admin, actor_name="root", action="ban", target_name="x")
    client = login_client(admin)

    assert client.get("/admin/people/auditentry/").status_code == 200
    assert client.get("/admin/people/auditentry/add/").status_code == 403
    assert client.post(f"/admin/people/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
