"""Every refusal of the message actions, with the sentence its sender is shown (word for word: it is the
only explanation they get) and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from messaging import actions
from messaging.errors import ActionRefused, Muted, NotAllowed, RateLimited, RoomLocked, SignedOut
from messaging.models import Message, Reaction
from rooms import actions as room_actions
from rooms.models import Membership, Mute, Room

pytestmark = pytest.mark.django_db

MUTED_UNTIL = datetime(2030, 1, 2, 3, 4, 59, tzinfo=UTC)


def refusal(action, *args) -> ActionRefused:
    with pytest.raises(ActionRefused) as refused:
        action(*args)
    return refused.value


def deactivate(user) -> None:
    """Tests that deactivate someone also have someone else active: the check is about this account."""
    user.is_active = False
    user.save()


def mute(room, user, by) -> None:
    Mute.objects.create(room=room, user=user, until=MUTED_UNTIL, created_by=by)


# Posting


def test_a_deactivated_author_is_told_they_are_signed_out(room, alice, bob):
    deactivate(alice)

    refused = refusal(actions.post_message, alice, room, "hello")

    assert (type(refused), refused.message) == (SignedOut, "You are signed out.")
    assert not Message.objects.exists()


def test_posting_to_a_room_deleted_since_the_page_opened_is_refused(room, alice):
    Room.objects.filter(pk=room.pk).delete()

    refused = refusal(actions.post_message, alice, room, "hello")

    assert (type(refused), refused.message) == (NotAllowed, "This room no longer exists.")


def test_a_private_room_refuses_a_non_member_in_the_words_of_a_room(alice, bob):
    private = room_actions.create_room(alice, "Plans", kind=Room.Kind.PRIVATE)

    refused = refusal(actions.post_message, bob, private, "hello")

    assert (type(refused), refused.message) == (NotAllowed, "You are not a member of this room.")


def test_a_conversation_refuses_someone_outside_it(alice, bob, carol):
    conversation = room_actions.open_direct(alice, bob)

    refused = refusal(actions.post_message, carol, conversation, "hello")

    assert (type(refused), refused.message) == (NotAllowed, "You are not a member of this conversation.")


def test_a_conversation_whose_other_member_left_can_be_read_and_not_posted_to(alice, bob):
    conversation = room_actions.open_direct(alice, bob)
    Membership.objects.filter(room=conversation, user=bob).delete()

    refused = refusal(actions.post_message, alice, conversation, "hello")

    assert (type(refused), refused.message) == (NotAllowed, actions.PARTNER_GONE)


@pytest.mark.parametrize(
    ("field", "sentence"),
    [
        ("is_archived", "This room is archived: nobody can post here."),
        ("is_locked", "This room is locked: nobody can post here."),
    ],
)
def test_an_archived_or_locked_room_refuses_posts(room, alice, field, sentence):
    Room.objects.filter(pk=room.pk).update(**{field: True})

    refused = refusal(actions.post_message, alice, room, "hello")

    assert (type(refused), refused.message) == (RoomLocked, sentence)


def test_a_muted_author_is_told_until_when_in_the_server_time_zone(room, alice, staff):
    mute(room, alice, staff)

    refused = refusal(actions.post_message, alice, room, "hello")
    with timezone.override("Europe/Paris"):
        in_paris = refusal(actions.post_message, alice, room, "hello")

    assert (type(refused), refused.message) == (
        Muted,
        "You are muted in this room until 2030-01-02 03:04 UTC.",
    )
    assert in_paris.message == "You are muted in this room until 2030-01-02 04:04 CET."


def test_a_muted_author_may_still_post_in_another_room(room, alice, staff):
    other = Room.objects.create(name="random", slug="random")
    mute(other, alice, staff)

    assert actions.post_message(alice, room, "hello").body == "hello"


def test_an_author_over_the_limit_is_told_the_limit(room, alice, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 2
    settings.CHAT_RATE_LIMIT_SECONDS = 30
    actions.post_message(alice, room, "one")
    actions.post_message(alice, room, "two")

    refused = refusal(actions.post_message, alice, room, "three")

    assert (type(refused), refused.message) == (
        RateLimited,
        "Slow down: at most 2 messages every 30 seconds.",
    )


def test_a_reply_to_a_deleted_message_or_one_in_another_room_is_refused(room, alice, bob):
    other = Room.objects.create(name="random", slug="random")
    elsewhere = actions.post_message(bob, other, "over there")
    deleted = actions.delete_message(actions.post_message(bob, room, "gone"))

    for reply_to in (elsewhere.pk, deleted.pk, 10**9):
        refused = refusal(actions.post_message, alice, room, "re", reply_to)
        assert (type(refused), refused.message) == (
            NotAllowed,
            "The message you replied to is not here any more.",
        )

    assert not Message.objects.filter(body="re").exists()


# Deleting


def test_deleting_as_a_deactivated_account_is_refused(room, alice, bob):
    message = actions.post_message(alice, room, "mine")
    deactivate(alice)

    refused = refusal(actions.delete_own_message, alice, room, message.pk)

    assert (type(refused), refused.message) == (SignedOut, "You are signed out.")
    assert not Message.objects.get(pk=message.pk).is_deleted


def test_a_message_of_another_room_cannot_be_deleted_through_this_one(room, alice):
    other = Room.objects.create(name="random", slug="random")
    elsewhere = actions.post_message(alice, other, "over there")

    refused = refusal(actions.delete_own_message, alice, room, elsewhere.pk)

    assert (type(refused), refused.message) == (NotAllowed, "That message is not here any more.")
    assert not Message.objects.get(pk=elsewhere.pk).is_deleted


def test_a_message_deleted_already_is_not_deleted_again(room, alice):
    message = actions.post_message(alice, room, "mine")
    first = actions.delete_own_message(alice, room, message.pk)

    refused = refusal(actions.delete_own_message, alice, room, message.pk)

    assert (type(refused), refused.message) == (NotAllowed, "That message is not here any more.")
    assert Message.objects.get(pk=message.pk).deleted_at == first.deleted_at


def test_someone_else_s_message_cannot_be_deleted(room, alice, bob):
    message = actions.post_message(bob, room, "bob's")

    refused = refusal(actions.delete_own_message, alice, room, message.pk)

    assert (type(refused), refused.message) == (NotAllowed, "You can only delete your own messages.")
    assert not Message.objects.get(pk=message.pk).is_deleted


# Editing and reacting


def test_editing_or_reacting_as_a_deactivated_account_is_refused(room, alice, bob):
    message = actions.post_message(alice, room, "mine")
    deactivate(alice)

    for action, args in ((actions.edit_message, ("changed",)), (actions.toggle_reaction, ("👍",))):
        refused = refusal(action, alice, room, message.pk, *args)
        assert (type(refused), refused.message) == (SignedOut, "You are signed out.")

    assert Message.objects.get(pk=message.pk).body == "mine"
    assert not Reaction.objects.exists()


def test_someone_removed_from_a_private_room_can_no_longer_edit_or_react_there(alice, bob):
    private = room_actions.create_room(alice, "Plans", kind=Room.Kind.PRIVATE)
    room_actions.add_member(alice, private, bob)
    message = actions.post_message(bob, private, "mine")
    Membership.objects.filter(room=private, user=bob).delete()

    for action, args in ((actions.edit_message, ("changed",)), (actions.toggle_reaction, ("👍",))):
        refused = refusal(action, bob, private, message.pk, *args)
        assert (type(refused), refused.message) == (NotAllowed, "This room is not there any more.")

    assert Message.objects.get(pk=message.pk).body == "mine"


def test_a_deleted_message_cannot_be_edited_or_reacted_to(room, alice):
    message = actions.delete_message(actions.post_message(alice, room, "mine"))

    for action, args in ((actions.edit_message, ("changed",)), (actions.toggle_reaction, ("👍",))):
        refused = refusal(action, alice, room, message.pk, *args)
        assert (type(refused), refused.message) == (NotAllowed, "That message is not here any more.")


def test_someone_else_s_message_cannot_be_edited(room, alice, bob):
    message = actions.post_message(bob, room, "bob's")

    refused = refusal(actions.edit_message, alice, room, message.pk, "alice's now")

    assert (type(refused), refused.message) == (NotAllowed, "You can only edit your own messages.")
    assert Message.objects.get(pk=message.pk).body == "bob's"


@pytest.mark.parametrize("field", ["is_locked", "is_archived"])
def test_a_read_only_room_refuses_edits_and_reactions(room, alice, field):
    message = actions.post_message(alice, room, "mine")
    Room.objects.filter(pk=room.pk).update(**{field: True})

    edit = refusal(actions.edit_message, alice, room, message.pk, "changed")
    react = refusal(actions.toggle_reaction, alice, room, message.pk, "👍")

    assert (type(edit), edit.message) == (
        RoomLocked,
        "This room is read only: nobody can edit messages here.",
    )
    assert (type(react), react.message) == (RoomLocked, "This room is read only: nobody can react here.")


def test_a_muted_author_cannot_edit_or_react_and_is_told_until_when(room, alice, staff):
    message = actions.post_message(alice, room, "mine")
    mute(room, alice, staff)

    for action, args in ((actions.edit_message, ("changed",)), (actions.toggle_reaction, ("👍",))):
        refused = refusal(action, alice, room, message.pk, *args)
        assert (type(refused), refused.message) == (
            Muted,
            "You are muted in this room until 2030-01-02 03:04 UTC.",
        )


def test_a_message_holds_a_limited_number_of_different_reactions(room, alice, bob, settings):
    settings.CHAT_REACTIONS_PER_MESSAGE = 2
    message = actions.post_message(alice, room, "react")
    actions.toggle_reaction(alice, room, message.pk, "👍")
    actions.toggle_reaction(alice, room, message.pk, "🎉")

    refused = refusal(actions.toggle_reaction, bob, room, message.pk, "🚀")
    actions.toggle_reaction(bob, room, message.pk, "🎉")

    assert (type(refused), refused.message) == (
        NotAllowed,
        "A message can have at most 2 different reactions.",
    )
    assert sorted(Reaction.objects.values_list("text", flat=True)) == ["🎉", "🎉", "👍"]


def test_the_allowance_check_calls_a_deactivated_account_signed_out_and_an_active_one_over_the_limit(
    room, alice, bob, settings
):
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    deactivate(alice)
    actions.post_message(bob, room, "one")

    for user, expected in ((alice, (SignedOut, "You are signed out.")), (bob, (RateLimited, None))):
        refused = refusal(actions.check_allowance, user)
        assert type(refused) is expected[0]
        assert refused.message == (expected[1] or actions.rate_limited().message)


def test_posts_arriving_together_share_their_author_s_allowance_in_order(room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 3
    posts = [actions.Post(alice, room, f"a{n}") for n in range(4)] + [actions.Post(bob, room, "b")]

    results = actions.post_messages(posts)

    assert [type(result) for result in results] == [Message, Message, Message, RateLimited, Message]
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == ["a0", "a1", "a2", "b"]
