from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.text import Truncator

from rooms import names

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def count_of(queryset: models.QuerySet[Any]) -> models.Func:
    """A correlated COUNT(*) subquery: counted through an index, not by joining every row into the query."""
    counted = queryset.order_by().annotate(n=models.Func(models.F("pk"), function="COUNT")).values("n")
    return Coalesce(models.Subquery(counted), 0)


class RoomQuerySet(models.QuerySet["Room"]):
    def listed(self) -> RoomQuerySet:
        """Rooms that appear in the room selector: everything but one-to-one conversations."""
        return self.exclude(kind=Room.Kind.DIRECT)

    def visible_to(self, user: User | AnonymousUser) -> RoomQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(models.Q(kind=Room.Kind.OPEN) | models.Q(memberships__user=user)).distinct()


class Room(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", "Open"
        PRIVATE = "private", "Private"
        DIRECT = "direct", "Direct message"

    name = models.CharField(max_length=names.NAME_MAX_LENGTH, validators=[names.validate_room_name])
    slug = models.SlugField(max_length=names.SLUG_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OPEN)
    is_locked = models.BooleanField(
        "locked", default=False, help_text="A locked room keeps its history but nobody can post."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # SQLite ignores max_length: without these, one request could store a 16,000-character name.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("name"), names.NAME_MAX_LENGTH))
                & ~models.Q(name=""),
                name="room_name_length",
            ),
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("slug"), names.SLUG_MAX_LENGTH))
                & ~models.Q(slug=""),
                name="room_slug_length",
            ),
            # Only one-to-one conversations have dm- addresses: no room can pose as one.
            models.CheckConstraint(
                condition=models.Q(kind="direct") | ~models.Q(slug__istartswith=names.DIRECT_SLUG_PREFIX),
                name="room_dm_slug_reserved",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        if self.kind == Room.Kind.DIRECT:
            return reverse("rooms:index")
        return reverse("rooms:detail", args=[self.slug])

    def clean(self) -> None:
        if self.kind == Room.Kind.DIRECT:
            return
        # Emptiness, length and characters are the fields' own validators; this is the part that needs `kind`.
        errors: dict[str, ValidationError] = {}
        if self.name.strip():
            try:
                names.validate_listed_name(self.name)
            except ValidationError as error:
                errors["name"] = error
        if names.is_reserved_slug(self.slug):
            errors["slug"] = ValidationError(names.RESERVED_SLUG_MESSAGE, code="reserved")
        if errors:
            raise ValidationError(errors)

    @property
    def socket_path(self) -> str:
        return f"/ws/rooms/{self.slug}/"

    @staticmethod
    def slug_for(name: str) -> str:
        return names.slug_for(name)

    @staticmethod
    def direct_slug(a: User, b: User) -> str:
        low, high = sorted([a.pk, b.pk])
        return f"dm-{low}-{high}"

    @staticmethod
    def direct_name(a: User, b: User) -> str:
        """Shown in the admin only (pages name the partner); usernames may be long, a room name may not."""
        low, high = sorted([a, b], key=lambda user: user.pk)
        return Truncator(f"{low.get_username()} & {high.get_username()}").chars(names.NAME_MAX_LENGTH)

    def is_member(self, user: User | AnonymousUser) -> bool:
        return user.is_authenticated and self.memberships.filter(user_id=user.pk).exists()

    def can_read(self, user: User | AnonymousUser) -> bool:
        if not user.is_authenticated:
            return False
        return self.kind == Room.Kind.OPEN or self.is_member(user)


class Membership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)
    # The newest message id this member has seen; unread = messages after it.
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"
