from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ConnectionQuerySet(models.QuerySet["Connection"]):
    def live(self) -> ConnectionQuerySet:
        """Connections whose server process refreshed them recently; a killed process's rows age out."""
        cutoff = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
        return self.filter(last_seen__gte=cutoff)

    def stale(self) -> ConnectionQuerySet:
        cutoff = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
        return self.filter(last_seen__lt=cutoff)

    def online_among(self, user_ids: set[int]) -> set[int]:
        """Which of these people have a live socket anywhere (one query)."""
        if not user_ids:
            return set()
        return set(self.live().filter(user_id__in=user_ids).values_list("user_id", flat=True).distinct())

    def online_usernames(self, room_id: int) -> list[str]:
        return [username for _, username, _ in self.online_people(room_id)]

    def online_people(self, room_id: int) -> list[tuple[int, str, str]]:
        """(id, username, name shown) of the people online in a room, first come first: someone arriving is
        added at the end of a room's list, so a page can be told of it by appending one name."""
        rows = (
            self.live()
            .filter(room_id=room_id)
            .values("user_id", "user__username", "user__profile__display_name")
            .annotate(first=models.Min("id"))
            .order_by("first")
        )
        return [
            (
                row["user_id"],
                row["user__username"],
                row["user__profile__display_name"] or row["user__username"],
            )
            for row in rows
        ]

    def online_counts(self) -> dict[int, int]:
        """Distinct people per room: several tabs of one person count once."""
        rows = (
            self.live()
            .filter(room__isnull=False)
            .values("room_id")
            .annotate(people=models.Count("user", distinct=True))
        )
        return {row["room_id"]: row["people"] for row in rows}

    def online_total(self) -> int:
        return self.live().values("user").distinct().count()


class Connection(models.Model):
    """One open socket. A person is online in a room while at least one of their live connections is there."""

    # A random id the socket gets when it opens (sockets here have no channel-layer channel of their own).
    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    # Null for sockets of pages that are not a room (the room selector): they count towards the site total.
    room = models.ForeignKey("rooms.Room", null=True, on_delete=models.CASCADE, related_name="connections")
    # The server process holding the socket; its heartbeat refreshes all its rows in one statement.
    server = models.CharField(max_length=64, db_index=True)
    last_seen = models.DateTimeField(db_index=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["room", "user"], name="connection_room_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room or 'the lobby'}"
