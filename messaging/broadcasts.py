"""Named broadcasts, called by actions after commit: render once, send the same HTML to every socket."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.template.loader import render_to_string

from messaging import attention, log, mentions
from messaging.models import Message
from realtime import events, groups, transport


def messages_created(messages: Sequence[Message]) -> None:
    """`messages` as stored, placed in the log by messaging.log.prepare_new."""
    for message in messages:
        html = render_to_string("messaging/_message_appended.html", {"message": message})
        transport.send_html(groups.room(message.room_id), html, message_id=message.pk)
    for room_id, posted in log.by_room(messages).items():
        # Members on other pages: a mark per message, the same for all of them (each page's CSS ignores its
        # viewer's own); one send per room for a whole batch.
        bump = render_to_string("messaging/_unread_bump.html", {"room_id": room_id, "messages": posted})
        transport.send_html(groups.unread(room_id), bump)


def message_changed(message: Message) -> None:
    """Edited or deleted: the message is replaced by id, placed and with its reactions as stored."""
    [current] = log.prepare(Message.objects.in_room(message.room).with_previous().filter(pk=message.pk))
    html = render_to_string("messaging/_messages_replaced.html", {"chat_messages": [current]})
    transport.send_html(groups.room(message.room_id), html)


def reactions_changed(message: Message) -> None:
    """Only the chips (an edit form open in the message stays open); lazy: in a busy room they go out with
    the next message's write."""
    reactions = log.reactions_of([message.pk]).get(message.pk, ())
    context = {"message": message, "chips": log.chips(reactions), "oob": True}
    html = render_to_string("messaging/_reactions.html", context)
    transport.send_html(groups.room(message.room_id), html, lazy=True)


def mentions_changed(user_ids: Iterable[int]) -> None:
    """Each person's own count (only the people concerned get one)."""
    for user_id in user_ids:
        context = {"mention_count": mentions.unseen_count(user_id), "oob": True}
        html = render_to_string("messaging/_mention_count.html", context)
        transport.send_html(groups.user(user_id), html)


def attention_changed(user_ids: Iterable[int]) -> None:
    """Each person's own count, to all their pages: each page puts it in its own title (the people a
    conversation message or a mention concerns, never a room's members)."""
    for user_id, count in attention.counts(user_ids).items():
        transport.group_send(groups.user(user_id), events.attention(count))
