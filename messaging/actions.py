"""Every write that other people see: check, write in a transaction, broadcast on commit."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from messaging import broadcasts, formatting, log, mentions
from messaging.errors import ActionRefused, Muted, NotAllowed, RateLimited, RoomLocked, SignedOut
from messaging.models import Mention, Message, Reaction, Revision
from messaging.sent_counts import column, sent_since
from people import audit
from people.models import AuditEntry
from rooms import moderation
from rooms.models import Membership, Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User


PARTNER_GONE = "The other person deleted their account: this conversation can be read, not posted to."


def check_can_post(user: User, room: Room) -> None:
    # A conversation (8 members at most) is read once: who may post, and whether anyone is left to read it.
    members = (
        set(room.memberships.values_list("user_id", flat=True)) if room.kind == Room.Kind.DIRECT else None
    )
    if not (user.pk in members if members is not None else room.can_read(user)):
        where = "conversation" if members is not None else "room"
        raise NotAllowed(f"You are not a member of this {where}.")
    if room.is_archived:
        raise RoomLocked("This room is archived: nobody can post here.")
    if room.is_locked:
        raise RoomLocked("This room is locked: nobody can post here.")
    if members is not None and len(members) < 2:
        raise NotAllowed(PARTNER_GONE)


def muted(until: datetime) -> Muted:
    shown = timezone.localtime(until).strftime("%Y-%m-%d %H:%M %Z")
    return Muted(f"You are muted in this room until {shown}.")


def check_not_muted(user: User, room: Room) -> None:
    until = moderation.muted_until(user, room)
    if until is not None:
        raise muted(until)


def rate_limited() -> RateLimited:
    return RateLimited(
        f"Slow down: at most {settings.CHAT_RATE_LIMIT_MESSAGES} messages "
        f"every {settings.CHAT_RATE_LIMIT_SECONDS} seconds."
    )


def allowances(users: Iterable[User]) -> dict[int, float]:
    """How many more messages each active author may send now; an author deactivated or deleted since their
    socket opened is missing."""
    return current_authors(users)[0]


def current_authors(users: Iterable[User]) -> tuple[dict[int, float], dict[int, User]]:
    """Each active author's allowance, and the author as stored now (with their profile: a name changed since
    their socket opened is the one their messages show). Counted from the database: the limit holds across
    rooms, tabs and server processes."""
    limit = settings.CHAT_RATE_LIMIT_MESSAGES
    active = (
        get_user_model()
        .objects.filter(pk__in={user.pk for user in users}, is_active=True)
        .select_related("profile")
        .defer("profile__avatar")
    )
    found = {user.pk: user for user in active}
    if limit <= 0:  # turned off
        return dict.fromkeys(found, math.inf), found
    # Posts, edits and reactions share one limit: each is a broadcast to the whole room.
    sent = sent_since(found, timezone.now() - timedelta(seconds=settings.CHAT_RATE_LIMIT_SECONDS))
    return {pk: limit - sent[pk] for pk in found}, found


def check_allowance(user: User) -> None:
    allowed = allowances([user])
    if user.pk not in allowed:
        raise SignedOut("You are signed out.")
    if allowed[user.pk] < 1:
        raise rate_limited()


def check_signed_in(user: User) -> None:
    """The account behind a socket may have been deactivated or deleted since it opened."""
    if not get_user_model().objects.filter(pk=user.pk, is_active=True).exists():
        raise SignedOut("You are signed out.")


@dataclass(frozen=True)
class Post:
    """A message someone asked to send; `body` has been validated by MessageForm."""

    user: User
    room: Room
    body: str
    reply_to: int | None = None


def replied_to(posts: Sequence[Post]) -> dict[int, Message]:
    """The messages these posts reply to that can be replied to: in the same room, not deleted."""
    wanted = {post.reply_to for post in posts if post.reply_to is not None}
    if not wanted:
        return {}
    found = (
        Message.objects.filter(pk__in=wanted, deleted_at__isnull=True)
        .select_related("author__profile")
        .defer("author__profile__avatar")
    )
    return {message.pk: message for message in found}


def post_messages(posts: Sequence[Post]) -> list[Message | ActionRefused]:
    """Posts that arrived together, stored in one transaction in arrival order: one result per post, the
    stored message or why it was refused. Each is broadcast once everything is committed."""
    results: list[Message | ActionRefused] = []
    with transaction.atomic():
        # Re-read (and on PostgreSQL lock, in id order) the rooms: one may have been locked since the caller
        # loaded it, and serialising a room's posts makes its ids commit in order, which catch-up relies on.
        rooms = Room.objects.select_for_update().order_by("pk").in_bulk({post.room.pk for post in posts})
        # Authors re-read too: one deactivated or deleted since their socket opened may not post (and a
        # deleted one would fail the whole batch's INSERT).
        allowed, authors = current_authors(post.user for post in posts)
        replies = replied_to(posts)
        people = mentions.mentionable([(post.room, post.body) for post in posts])
        silenced = moderation.muted_pairs((post.room.pk, post.user.pk) for post in posts)
        stored: list[Message] = []
        mentioned: list[tuple[Message, formatting.Formatted]] = []
        for post, mentionable in zip(posts, people, strict=True):
            room = rooms.get(post.room.pk)
            reply = replies.get(post.reply_to) if post.reply_to is not None else None
            try:
                if post.user.pk not in allowed:
                    raise SignedOut("You are signed out.")
                if room is None:
                    raise NotAllowed("This room no longer exists.")
                check_can_post(post.user, room)
                if (until := silenced.get((room.pk, post.user.pk))) is not None:
                    raise muted(until)
                if allowed[post.user.pk] < 1:
                    raise rate_limited()
                if post.reply_to is not None and (reply is None or reply.room_id != room.pk):
                    raise NotAllowed("The message you replied to is not here any more.")
            except ActionRefused as refusal:
                results.append(refusal)
                continue
            allowed[post.user.pk] -= 1
            room_mention = "@room" in post.body and mentions.may_mention_room(post.user, room)
            formatted = formatting.format_text(post.body, mentionable, room_mention)
            message = Message(
                room=room,
                author=authors[post.user.pk],
                body=post.body,
                body_html=formatted.html,
                reply_to=reply,
            )
            stored.append(message)
            results.append(message)
            if formatted.mentioned or formatted.mentions_room:
                mentioned.append((message, formatted))
        previous = last_messages_before(stored)
        Message.objects.bulk_create(stored)
        notified = record_mentions(mentioned)
        for messages in log.by_room(stored).values():
            log.prepare_new(messages, previous.get(messages[0].room_id))
        transaction.on_commit(lambda: broadcasts.messages_created(stored), robust=True)
        if notified:
            transaction.on_commit(lambda: broadcasts.mentions_changed(notified), robust=True)
        addressed = notified | conversation_readers(stored)
        if addressed:
            transaction.on_commit(lambda: broadcasts.attention_changed(addressed), robust=True)
    return results


def conversation_readers(messages: Iterable[Message]) -> set[int]:
    """The members of the conversations among these messages' rooms who got a message from someone else (at
    most 7 per conversation). A batch with no conversation in it costs no query."""
    authors: dict[int, set[int | None]] = {}
    for message in messages:
        if message.room.kind == Room.Kind.DIRECT:
            authors.setdefault(message.room_id, set()).add(message.author_id)
    if not authors:
        return set()
    members = Membership.objects.filter(room_id__in=authors).values_list("room_id", "user_id")
    return {user_id for room_id, user_id in members if authors[room_id] - {user_id}}


def last_messages_before(messages: Sequence[Message]) -> dict[int, Message]:
    """Each room's newest stored message, before a batch is added (the log groups by it), in a transaction
    that holds the rooms locked. One raw statement: every stored batch asks, and the ORM took 0.68 ms per
    room to build its query, raw 0.19 (docs/measurements.md, "the three figures that were worse, again")."""
    rooms = sorted({message.room_id for message in messages})
    if not rooms:
        return {}
    sql = " UNION ALL ".join(last_message_sql().format(n) for n in range(len(rooms)))
    return {message.room_id: message for message in Message.objects.raw(sql, rooms)}


@functools.cache
def last_message_sql() -> str:
    pk, room, author, created = (column(Message, name) for name in ("id", "room", "author", "created_at"))
    return (
        f"SELECT * FROM (SELECT {pk}, {room}, {author}, {created} FROM {Message._meta.db_table} "  # noqa: S608 - names from the model
        f"WHERE {room} = %s ORDER BY {pk} DESC LIMIT 1) AS last_{{}}"
    )


def record_mentions(mentioned: Sequence[tuple[Message, formatting.Formatted]]) -> set[int]:
    notified: set[int] = set()
    for message, formatted in mentioned:
        notified |= mentions.record(message, formatted.mentioned, formatted.mentions_room)
    return notified


def post_message(user: User, room: Room, body: str, reply_to: int | None = None) -> Message:
    """One post (the no-JavaScript form): the stored message, or the refusal raised."""
    [result] = post_messages([Post(user, room, body, reply_to)])
    if isinstance(result, ActionRefused):
        raise result
    return result


def delete_message(message: Message) -> Message:
    """Soft delete: the row stays as a tombstone so every client, even one offline now, learns of it."""
    with transaction.atomic():
        message.deleted_at = message.revised_at = timezone.now()
        message.body = ""
        message.save(update_fields=["deleted_at", "revised_at", "body"])
        transaction.on_commit(lambda: broadcasts.message_changed(message), robust=True)
        # A deleted message no longer counts for whom it was addressed to: mentioned, or in a conversation.
        mentioned = Mention.objects.filter(message=message, seen_at__isnull=True)
        members = Membership.objects.filter(room_id=message.room_id, room__kind=Room.Kind.DIRECT)
        addressed = set(mentioned.values_list("user_id", flat=True))
        addressed |= set(members.values_list("user_id", flat=True))
        addressed.discard(message.author_id)
        if addressed:
            transaction.on_commit(lambda: broadcasts.attention_changed(addressed), robust=True)
    return message


def delete_own_message(user: User, room: Room, message_id: int) -> Message:
    """A person deletes one of their messages; staff may delete anyone's."""
    check_signed_in(user)
    message = Message.objects.filter(pk=message_id, room=room, deleted_at__isnull=True).first()
    if message is None:
        raise NotAllowed("That message is not here any more.")
    if message.author_id != user.pk and not user.is_staff:
        raise NotAllowed("You can only delete your own messages.")
    with transaction.atomic():
        if message.author_id != user.pk:
            author = message.author  # None: a deleted account's message
            where = f"#{room.name}" if room.kind != Room.Kind.DIRECT else "a conversation"
            audit.record(user, AuditEntry.Action.DELETE_MESSAGE, author, f"message {message.pk} in {where}")
        return delete_message(message)


def readable_message(user: User, room: Room, message_id: int) -> Message:
    """A message of this room that is still there, for someone who may still read the room."""
    check_signed_in(user)
    current = Room.objects.filter(pk=room.pk).first()
    if current is None or not current.can_read(user):
        raise NotAllowed("This room is not there any more.")
    message = Message.objects.filter(pk=message_id, room=current, deleted_at__isnull=True).first()
    if message is None:
        raise NotAllowed("That message is not here any more.")
    message.room = current
    return message


def edit_message(user: User, room: Room, message_id: int, body: str) -> Message:
    """The author (or staff) replaces a message's text; the old text is kept as a revision. `body` has
    passed MessageForm."""
    with transaction.atomic():
        message = readable_message(user, room, message_id)
        if message.author_id != user.pk and not user.is_staff:
            raise NotAllowed("You can only edit your own messages.")
        if message.room.is_read_only:
            raise RoomLocked("This room is read only: nobody can edit messages here.")
        check_not_muted(user, message.room)
        if body == message.body:
            return message
        check_allowance(user)
        [mentionable] = mentions.mentionable([(message.room, body)])
        # Staff editing a deleted user's message: nobody's @room permission to borrow.
        room_mention = (
            "@room" in body
            and message.author is not None
            and mentions.may_mention_room(message.author, message.room)
        )
        formatted = formatting.format_text(body, mentionable, room_mention)
        Revision.objects.create(message=message, body=message.body, editor=user)
        message.body, message.body_html = body, formatted.html
        message.edited_at = message.revised_at = timezone.now()
        message.save(update_fields=["body", "body_html", "edited_at", "revised_at"])
        notified = mentions.record(message, formatted.mentioned, formatted.mentions_room)
        transaction.on_commit(lambda: broadcasts.message_changed(message), robust=True)
        if notified:
            transaction.on_commit(lambda: broadcasts.mentions_changed(notified), robust=True)
            transaction.on_commit(lambda: broadcasts.attention_changed(notified), robust=True)
    return message


def toggle_reaction(user: User, room: Room, message_id: int, text: str) -> Message:
    """Adds the user's reaction, or takes it back if they had already given that one. `text` has passed
    ReactionForm. Few queries: in a busy room each waits its turn in the database thread with the posts."""
    with transaction.atomic():
        message = readable_message(user, room, message_id)
        if message.room.is_read_only:
            raise RoomLocked("This room is read only: nobody can react here.")
        check_not_muted(user, message.room)
        if not Reaction.objects.filter(message=message, user=user, text=text).delete()[0]:
            check_allowance(user)
            texts = set(message.reactions.values_list("text", flat=True).distinct())
            if text not in texts and len(texts) >= settings.CHAT_REACTIONS_PER_MESSAGE:
                raise NotAllowed(
                    f"A message can have at most {settings.CHAT_REACTIONS_PER_MESSAGE} different reactions."
                )
            Reaction.objects.create(message=message, user=user, text=text)
        # Catch-up re-sends a message whose reactions changed since a page last synced.
        Message.objects.filter(pk=message.pk).update(revised_at=timezone.now())
        transaction.on_commit(lambda: broadcasts.reactions_changed(message), robust=True)
    return message


def mark_read(user: User, room_id: int, message_id: int) -> None:
    """A page that showed the room up to `message_id` is closing: those messages are no longer unread. In a
    conversation, the reader's other pages count them no more (their titles drop)."""
    read = Membership.objects.filter(room_id=room_id, user=user, last_read_id__lt=message_id).update(
        last_read_id=message_id
    )
    if read and Room.objects.filter(pk=room_id, kind=Room.Kind.DIRECT).exists():
        transaction.on_commit(lambda: broadcasts.attention_changed([user.pk]), robust=True)
