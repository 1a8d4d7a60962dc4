from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from rooms.models import Room

if TYPE_CHECKING:
    from messaging.log import Chip, Times


class MessageQuerySet(models.QuerySet["Message"]):
    def in_room(self, room: Room) -> MessageQuerySet:
        return (
            self.filter(room=room)
            .select_related("author__profile", "room", "reply_to__author__profile")
            # Names and whether there is a picture, in the same query; the picture's own bytes stay behind.
            .defer("author__profile__avatar", "reply_to__author__profile__avatar")
        )

    def with_previous(self) -> MessageQuerySet:
        """Who wrote the room's message before each one, and when: the log groups a run of messages by one
        author and starts each day with a divider (messaging/log.py), whichever page or push renders it."""
        before = Message.objects.filter(room=models.OuterRef("room"), id__lt=models.OuterRef("id")).order_by(
            "-id"
        )
        return self.annotate(
            previous_author_id=models.Subquery(before.values("author_id")[:1]),
            previous_created_at=models.Subquery(before.values("created_at")[:1]),
        )

    def latest_in_room(self, room: Room, count: int) -> list[Message]:
        """The newest `count` messages, oldest first, as the log shows them."""
        return self.in_room(room).newest(count)

    def newest(self, count: int) -> list[Message]:
        """The newest `count` of a room's messages up to some point (no other filter), oldest first, each with
        its predecessor's author and time as `with_previous()` gives them: one more row read instead of two
        subqueries per message."""
        rows = list(self.order_by("-id")[: count + 1])
        rows.reverse()
        for previous, message in itertools.pairwise(rows):
            message.previous_author_id = previous.author_id  # type: ignore[attr-defined]
            message.previous_created_at = previous.created_at  # type: ignore[attr-defined]
        return rows[1:] if len(rows) > count else rows


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    # None once the author deleted their account: the conversation keeps its messages ("Deleted user").
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The text as typed, and its HTML rendered once when stored or edited (messaging/formatting.py).
    body = models.TextField()
    body_html = models.TextField(blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Soft delete: the row stays as a tombstone so reconnecting clients learn the message is gone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set by every change after creation (edit, delete): catch-up resends what changed since a sync.
    revised_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    # Set for rendering by messaging/log.py, never stored.
    day_start: bool
    grouped: bool
    chips: list[Chip]
    times: Times

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            # The rate limit counts a user's recent messages on every send.
            models.Index(fields=["author", "created_at"], name="message_author_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.author or 'Deleted user'}: {self.body[:40]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Actions render (with mentions) before storing; anything else that stores text (a shell, a fixture,
        # the admin) still gets the same safe HTML.
        if not self.body_html and self.body and self.deleted_at is None:
            from messaging.formatting import render

            self.body_html = render(self.body)
        super().save(*args, **kwargs)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def dom_id(self) -> str:
        return f"message-{self.pk}"

    @property
    def first_line(self) -> str:
        return self.body.strip().splitlines()[0] if self.body.strip() else ""


class Revision(models.Model):
    """A message's text before an edit (shown in the admin)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When this text was replaced: edits count against the editor's rate limit.
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["editor", "replaced_at"], name="revision_editor_recent")]

    def __str__(self) -> str:
        return self.body[:40]


class Reaction(models.Model):
    """One person's reaction to a message: an emoji or a short text (Campfire's boosts)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    text = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["message", "user", "text"], name="reaction_once")]
        indexes = [models.Index(fields=["user", "created_at"], name="reaction_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.text} on {self.message_id}"


class Mention(models.Model):
    """Someone was named in a message they may read; `seen_at` is set when they open their mentions."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_once")]
        indexes = [models.Index(fields=["user", "seen_at"], name="mention_user_unseen")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.message_id}"
