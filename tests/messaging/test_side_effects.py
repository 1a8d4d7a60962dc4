"""What editing, deleting and reacting do besides changing the message: whom they notify, what the audit log
says, and that one failing broadcast neither undoes the change nor silences the broadcasts after it."""

from __future__ import annotations

import pytest

from messaging import actions
from messaging.models import Mention, Message, Reaction
from people.models import AuditEntry
from rooms import actions as room_actions
from rooms.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def broadcasts(monkeypatch):
    """Records each broadcast the actions make; the names in `failing` raise after being recorded."""

    class Recorder:
        calls: list[tuple[str, object]] = []
        failing: set[str] = set()

    def recording(name):
        def broadcast(argument):
            Recorder.calls.append((name, argument))
            if name in Recorder.failing:
                raise ConnectionError(f"{name}: the channel layer is gone")

        return broadcast

    for name in ("message_changed", "mentions_changed", "attention_changed", "reactions_changed"):
        monkeypatch.setattr(f"messaging.actions.broadcasts.{name}", recording(name))
    return Recorder


def test_an_edit_that_names_someone_notifies_them_even_when_the_change_broadcast_fails(
    room, alice, bob, broadcasts, django_capture_on_commit_callbacks
):
    message = actions.post_message(alice, room, "lunch?")
    broadcasts.failing = {"message_changed", "mentions_changed", "attention_changed"}

    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_message(alice, room, message.pk, "lunch, @bob?")

    assert [name for name, _ in broadcasts.calls] == [
        "message_changed",
        "mentions_changed",
        "attention_changed",
    ]
    assert broadcasts.calls[1][1] == broadcasts.calls[2][1] == {bob.pk}
    assert Message.objects.get(pk=message.pk).body == "lunch, @bob?"


def test_an_edit_that_adds_at_room_notifies_the_members_when_the_author_may_say_it(
    alice, bob, carol, broadcasts, django_capture_on_commit_callbacks
):
    team = room_actions.create_room(alice, "Team")
    for person in (bob, carol):
        room_actions.join_room(person, team)
    message = actions.post_message(alice, team, "lunch?")

    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_message(alice, team, message.pk, "@room lunch?")

    assert set(Mention.objects.filter(message=message).values_list("user_id", flat=True)) == {
        bob.pk,
        carol.pk,
    }
    assert ("attention_changed", {bob.pk, carol.pk}) in broadcasts.calls
    assert '<strong class="mention-room">@room</strong>' in Message.objects.get(pk=message.pk).body_html


def test_staff_editing_a_deleted_account_s_message_to_say_at_room_notify_nobody(
    room, alice, bob, staff, broadcasts, django_capture_on_commit_callbacks
):
    room_actions.join_room(bob, room)
    message = actions.post_message(alice, room, "hello")
    alice.delete()

    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_message(staff, room, message.pk, "@room hello")

    assert not Mention.objects.exists()
    assert [name for name, _ in broadcasts.calls] == ["message_changed"]


def test_deleting_a_message_takes_it_off_the_unread_list_of_those_named_who_have_not_seen_it(
    room, alice, bob, carol, broadcasts, django_capture_on_commit_callbacks
):
    room_actions.join_room(carol, room)
    message = actions.post_message(alice, room, "@bob @carol look")
    Mention.objects.filter(message=message, user=carol).update(seen_at=message.created_at)
    broadcasts.failing = {"message_changed", "attention_changed"}

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_message(message)

    # Carol saw it already and is only a member of this (open) room: nothing of hers changes.
    assert broadcasts.calls == [("message_changed", message), ("attention_changed", {bob.pk})]
    assert Message.objects.get(pk=message.pk).is_deleted


def test_deleting_a_conversation_message_recounts_the_other_member_s_unread(
    alice, bob, broadcasts, django_capture_on_commit_callbacks
):
    conversation = room_actions.open_direct(alice, bob)
    message = actions.post_message(alice, conversation, "hi")

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_message(message)

    assert broadcasts.calls[1:] == [("attention_changed", {bob.pk})]


def test_deleting_from_a_copy_loaded_before_an_edit_keeps_the_edit_s_record(room, alice):
    stale = actions.post_message(alice, room, "first")
    actions.edit_message(alice, room, stale.pk, "second")

    actions.delete_message(stale)

    stored = Message.objects.get(pk=stale.pk)
    assert stored.is_deleted
    assert stored.body == ""
    assert stored.edited_at is not None


def test_staff_deleting_someone_s_message_is_audited_with_where_it_was(room, alice, bob, staff):
    in_room = actions.post_message(alice, room, "in the room")
    conversation = room_actions.open_direct(alice, bob)
    Membership.objects.create(room=conversation, user=staff)
    in_conversation = actions.post_message(alice, conversation, "between us")

    actions.delete_own_message(staff, room, in_room.pk)
    actions.delete_own_message(staff, conversation, in_conversation.pk)

    entries = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE_MESSAGE).order_by("pk")
    assert [(e.actor_name, e.target_name, e.detail) for e in entries] == [
        ("sam", "alice", f"message {in_room.pk} in #general"),
        ("sam", "alice", f"message {in_conversation.pk} in a conversation"),
    ]


def test_deleting_one_s_own_message_is_not_audited(room, staff):
    message = actions.post_message(staff, room, "mine")

    actions.delete_own_message(staff, room, message.pk)

    assert not AuditEntry.objects.exists()


def test_taking_a_reaction_back_leaves_the_same_reaction_on_other_messages(room, alice):
    first = actions.post_message(alice, room, "one")
    second = actions.post_message(alice, room, "two")
    actions.toggle_reaction(alice, room, first.pk, "👍")
    actions.toggle_reaction(alice, room, second.pk, "👍")

    actions.toggle_reaction(alice, room, second.pk, "👍")

    assert list(Reaction.objects.values_list("message_id", "text")) == [(first.pk, "👍")]


def test_a_reaction_is_kept_when_its_broadcast_fails(
    room, alice, broadcasts, django_capture_on_commit_callbacks
):
    message = actions.post_message(alice, room, "one")
    broadcasts.failing = {"reactions_changed"}

    with django_capture_on_commit_callbacks(execute=True):
        actions.toggle_reaction(alice, room, message.pk, "👍")

    assert broadcasts.calls == [("reactions_changed", message)]
    assert Reaction.objects.filter(message=message, user=alice, text="👍").exists()


def test_reading_a_room_moves_only_the_reader_s_mark_and_only_forward(room, alice, bob):
    for person in (alice, bob):
        room_actions.join_room(person, room)
    first = actions.post_message(bob, room, "one")
    second = actions.post_message(bob, room, "two")

    actions.mark_read(alice, room.pk, second.pk)
    actions.mark_read(alice, room.pk, first.pk)

    marks = dict(Membership.objects.filter(room=room).values_list("user_id", "last_read_id"))
    assert marks == {alice.pk: second.pk, bob.pk: 0}


def test_reading_an_open_room_recounts_nothing_even_when_a_conversation_exists(
    room, alice, bob, broadcasts, django_capture_on_commit_callbacks
):
    room_actions.join_room(alice, room)
    room_actions.open_direct(alice, bob)
    message = actions.post_message(bob, room, "one")

    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(alice, room.pk, message.pk)

    assert broadcasts.calls == []


def test_reading_a_conversation_recounts_the_reader_s_other_pages_even_when_that_broadcast_fails(
    alice, bob, broadcasts, django_capture_on_commit_callbacks
):
    conversation = room_actions.open_direct(alice, bob)
    message = actions.post_message(bob, conversation, "hi")
    broadcasts.failing = {"attention_changed"}

    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_read(alice, conversation.pk, message.pk)
        # Already read: nothing changes, nobody is told.
        actions.mark_read(alice, conversation.pk, message.pk)

    assert broadcasts.calls == [("attention_changed", [alice.pk])]


def test_a_post_s_mentions_and_recounts_go_out_even_when_its_own_broadcast_fails(
    alice, bob, broadcasts, monkeypatch, django_capture_on_commit_callbacks
):
    broadcasts.failing = {"mentions_changed", "attention_changed"}
    conversation = room_actions.open_direct(alice, bob)
    team = room_actions.create_room(alice, "Team")

    def fail_created(stored):
        broadcasts.calls.append(("created", stored))
        raise ConnectionError("the channel layer is gone")

    monkeypatch.setattr("messaging.actions.broadcasts.messages_created", fail_created)
    with django_capture_on_commit_callbacks(execute=True):
        stored = actions.post_messages(
            [actions.Post(alice, team, "@bob look"), actions.Post(alice, conversation, "hi")]
        )

    assert broadcasts.calls == [
        ("created", stored),
        ("mentions_changed", {bob.pk}),
        ("attention_changed", {bob.pk}),
    ]
    assert Message.objects.count() == 2


def test_posts_arriving_together_notify_everyone_any_of_them_names(
    room, alice, bob, carol, broadcasts, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("messaging.actions.broadcasts.messages_created", lambda stored: None)

    with django_capture_on_commit_callbacks(execute=True):
        actions.post_messages(
            [actions.Post(alice, room, "@bob look"), actions.Post(alice, room, "@carol too")]
        )

    assert ("mentions_changed", {bob.pk, carol.pk}) in broadcasts.calls
