from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from rooms.models import Room


class MessageQuerySet(models.QuerySet["Message"]):
    def in_room(self, room: Room) -> MessageQuerySet:
        return self.filter(room=room).select_related("author")

    def after(self, room: Room, message_id: int) -> MessageQuerySet:
        return self.in_room(room).filter(id__gt=message_id).order_by("id")

    def revised_since(self, room: Room, up_to_id: int, since: datetime) -> MessageQuerySet:
        return self.in_room(room).filter(id__lte=up_to_id, revised_at__gte=since).order_by("id")

    def latest_in_room(self, room: Room, count: int) -> list[Message]:
        """The newest `count` messages, oldest first, as the log shows them."""
        newest = list(self.in_room(room).order_by("-id")[:count])
        newest.reverse()
        return newest


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Soft delete: the row stays as a tombstone so reconnecting clients learn the message is gone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set by every change after creation (edit, delete): catch-up resends what changed since a sync.
    revised_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            # The rate limit counts a user's recent messages on every send.
            models.Index(fields=["author", "created_at"], name="message_author_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def dom_id(self) -> str:
        return f"message-{self.pk}"
