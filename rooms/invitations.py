"""Invitation links to private rooms: made and revoked by the room's admins, used by whoever holds one."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from rooms import broadcasts
from rooms.actions import check_admin
from rooms.errors import RoomRefused
from rooms.models import Invitation, Membership, Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_DAYS = 90
MAX_USES = 10_000
# A token is `secrets.token_urlsafe(32)`: 43 characters. Anything else is not looked up at all.
TOKEN_LENGTH = 43
TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}\Z")


def create(user: User, room: Room, days: int | None = None, max_uses: int | None = None) -> Invitation:
    check_admin(user, room)
    if room.kind != Room.Kind.PRIVATE:
        raise RoomRefused("Open rooms need no invitation: share the room's address.")
    days = settings.CHAT_INVITATION_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise RoomRefused(f"An invitation lasts from 1 to {MAX_DAYS} days.")
    if max_uses is not None and not 1 <= max_uses <= MAX_USES:
        raise RoomRefused(f"An invitation can be used from 1 to {MAX_USES:,} times, or any number.")
    return Invitation.objects.create(
        room=room,
        token=secrets.token_urlsafe(32),
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
    )


def revoke(user: User, invitation: Invitation) -> None:
    check_admin(user, invitation.room)
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def find(token: str) -> Invitation | None:
    """The usable invitation with this token, or None however it fails (guessed, expired, revoked, used
    up): the holder of a dead link learns nothing about the room."""
    if TOKEN_SHAPE.match(token) is None:
        return None
    return Invitation.objects.usable().select_related("room").filter(token=token).first()


def accept(user: User, token: str) -> Room | None:
    """Joins the room and counts one use; None if the link is not usable (then nothing changed). Someone
    already in the room spends no use. The use is counted by a conditional UPDATE, so two people racing for
    the last use of a link cannot both get in."""
    invitation = find(token)
    if invitation is None or not user.is_active:
        return None
    room = invitation.room
    with transaction.atomic():
        if Membership.objects.filter(room=room, user=user).exists():
            return room
        counted = (
            Invitation.objects.usable()
            .filter(pk=invitation.pk)
            .filter(models.Q(max_uses__isnull=True) | models.Q(uses__lt=models.F("max_uses")))
            .update(uses=models.F("uses") + 1)
        )
        if not counted:
            return None
        _, created = Membership.objects.get_or_create(room=room, user=user)
        if not created:  # the same person's other request got in first: give this use back
            Invitation.objects.filter(pk=invitation.pk).update(uses=models.F("uses") - 1)
            return room
        transaction.on_commit(lambda: broadcasts.room_joined(room, user), robust=True)
    return room
