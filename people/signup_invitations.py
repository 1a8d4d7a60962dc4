"""Sign-up invitations (CHAT_SIGNUP=invite): staff make a link, anyone holding it may create an account while
it is valid. Using one is a single conditional UPDATE, so a link's last use goes to exactly one sign-up even
when several arrive at once."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from people.models import SignupInvitation

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything longer is not ours and is refused without a query.
TOKEN_MAX_LENGTH = 64
MAX_DAYS = 365


def create(created_by: User, days: int, max_uses: int | None) -> SignupInvitation:
    return SignupInvitation.objects.create(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
    )


def revoke(invitation_id: int) -> bool:
    """True if a link was revoked now (False: no such link, or revoked already)."""
    found = SignupInvitation.objects.filter(pk=invitation_id, revoked_at__isnull=True)
    return found.update(revoked_at=timezone.now()) == 1


def valid() -> models.QuerySet[SignupInvitation]:
    """Links that still let someone in: not revoked, not expired, not used up."""
    return SignupInvitation.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).filter(
        models.Q(max_uses__isnull=True) | models.Q(uses__lt=models.F("max_uses"))
    )


def is_valid(token: str) -> bool:
    return well_formed(token) and valid().filter(token=token).exists()


def use(token: str) -> bool:
    """Counts one use of the link if it is still valid; False (and nothing counted) otherwise. Call it in the
    transaction that creates the account, so a failed sign-up gives the use back."""
    return well_formed(token) and valid().filter(token=token).update(uses=models.F("uses") + 1) == 1


def well_formed(token: str) -> bool:
    return 0 < len(token) <= TOKEN_MAX_LENGTH and re.fullmatch(r"[A-Za-z0-9_-]+", token) is not None
