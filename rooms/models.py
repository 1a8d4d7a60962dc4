from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
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
        """Rooms, not conversations: what room names and addresses resolve to (archived ones included)."""
        return self.exclude(kind=Room.Kind.DIRECT)

    def in_selector(self) -> RoomQuerySet:
        """What the room selector shows: rooms that are not archived (those stay readable and searchable)."""
        return self.listed().filter(is_archived=False)

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
    topic = models.CharField(max_length=names.TOPIC_MAX_LENGTH, blank=True, validators=[names.validate_topic])
    slug = models.SlugField(max_length=names.SLUG_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OPEN)
    is_locked = models.BooleanField(
        "locked", default=False, help_text="A locked room keeps its history but nobody can post."
    )
    is_archived = models.BooleanField(
        "archived",
        default=False,
        help_text="Read only, hidden from the room selector; still readable at its address and searchable.",
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
            models.CheckConstraint(
                condition=models.Q(LessThanOrEqual(Length("topic"), names.TOPIC_MAX_LENGTH)),
                name="room_topic_length",
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

    @property
    def is_read_only(self) -> bool:
        return self.is_locked or self.is_archived

    def is_admin(self, user: User | AnonymousUser) -> bool:
        """Who may change the room's settings and members: its creator and staff."""
        if not user.is_authenticated or not user.is_active:
            return False
        return user.is_staff or (self.created_by_id is not None and self.created_by_id == user.pk)

    def is_member(self, user: User | AnonymousUser) -> bool:
        return user.is_authenticated and self.memberships.filter(user_id=user.pk).exists()

    def can_read(self, user: User | AnonymousUser) -> bool:
        if not user.is_authenticated:
            return False
        return self.kind == Room.Kind.OPEN or self.is_member(user)


class Membership(models.Model):
    class Notify(models.TextChoices):
        ALL = "all", "Every message"
        MENTIONS = "mentions", "Mentions only"
        NOTHING = "nothing", "Nothing"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)
    # The newest message id this member has seen; unread = messages after it.
    last_read_id = models.BigIntegerField(default=0)
    # Applied by the member's own pages (a CSS rule), so unread pushes stay the same for every member.
    notify = models.CharField(max_length=10, choices=Notify.choices, default=Notify.ALL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now).filter(
            models.Q(max_uses__isnull=True) | models.Q(uses__lt=models.F("max_uses"))
        )


class Invitation(models.Model):
    """A link that makes whoever opens it (signed in) a member of a private room."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: any number.")
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.room}"

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and (self.max_uses is None or self.uses < self.max_uses)
        )


class Mute(models.Model):
    """Someone who may read a room but not post in it until `until`."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes")
    until = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="unique_mute")]

    def __str__(self) -> str:
        return f"{self.user} muted in {self.room} until {self.until:%Y-%m-%d %H:%M}"
