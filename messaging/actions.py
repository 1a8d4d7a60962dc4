"""Every write that other people see: check, write in a transaction, broadcast on commit."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from messaging import broadcasts
from messaging.errors import ActionRefused, NotAllowed, RateLimited, RoomLocked, SignedOut
from messaging.models import Message
from rooms.models import Membership, Room, count_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def check_can_post(user: User, room: Room) -> None:
    if not room.can_read(user):
        raise NotAllowed("You are not a member of this conversation.")
    if room.is_locked:
        raise RoomLocked("This room is locked: nobody can post here.")


def rate_limited() -> RateLimited:
    return RateLimited(
        f"Slow down: at most {settings.CHAT_RATE_LIMIT_MESSAGES} messages "
        f"every {settings.CHAT_RATE_LIMIT_SECONDS} seconds."
    )


def allowances(users: Iterable[User]) -> dict[int, float]:
    """How many more messages each active author may send now; an author deactivated or deleted since their
    socket opened is missing. One query: a COUNT per user off the (author, created_at) index. Counted from the
    database, so the limit holds across rooms, tabs and server processes."""
    limit = settings.CHAT_RATE_LIMIT_MESSAGES
    active = get_user_model().objects.filter(pk__in={user.pk for user in users}, is_active=True)
    if limit <= 0:  # turned off
        return dict.fromkeys(active.values_list("pk", flat=True), math.inf)
    since = timezone.now() - timedelta(seconds=settings.CHAT_RATE_LIMIT_SECONDS)
    recent = Message.objects.filter(author=models.OuterRef("pk"), created_at__gte=since)
    return {pk: limit - sent for pk, sent in active.annotate(sent=count_of(recent)).values_list("pk", "sent")}


def active_user_ids(users: Iterable[User]) -> set[int]:
    user_ids = {user.pk for user in users}
    return set(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))


@dataclass(frozen=True)
class Post:
    """A message someone asked to send; `body` has been validated by MessageForm."""

    user: User
    room: Room
    body: str


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
        allowed = allowances(post.user for post in posts)
        stored: list[Message] = []
        for post in posts:
            room = rooms.get(post.room.pk)
            try:
                if post.user.pk not in allowed:
                    raise SignedOut("You are signed out.")
                if room is None:
                    raise NotAllowed("This room no longer exists.")
                check_can_post(post.user, room)
                if allowed[post.user.pk] < 1:
                    raise rate_limited()
            except ActionRefused as refusal:
                results.append(refusal)
                continue
            allowed[post.user.pk] -= 1
            message = Message(room=room, author=post.user, body=post.body)
            stored.append(message)
            results.append(message)
        Message.objects.bulk_create(stored)
        transaction.on_commit(lambda: broadcasts.messages_created(stored), robust=True)
    return results


def post_message(user: User, room: Room, body: str) -> Message:
    """One post (the no-JavaScript form): the stored message, or the refusal raised."""
    [result] = post_messages([Post(user, room, body)])
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
    return message


def delete_own_message(user: User, room: Room, message_id: int) -> Message:
    """A person deletes one of their messages; staff may delete anyone's."""
    if user.pk not in active_user_ids([user]):
        raise SignedOut("You are signed out.")
    message = Message.objects.filter(pk=message_id, room=room, deleted_at__isnull=True).first()
    if message is None:
        raise NotAllowed("That message is not here any more.")
    if message.author_id != user.pk and not user.is_staff:
        raise NotAllowed("You can only delete your own messages.")
    return delete_message(message)


def mark_read(user: User, room_id: int, message_id: int) -> None:
    """A page that showed the room up to `message_id` is closing: those messages are no longer unread."""
    Membership.objects.filter(room_id=room_id, user=user, last_read_id__lt=message_id).update(
        last_read_id=message_id
    )
