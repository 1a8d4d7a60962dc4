"""The people app's writes: a person's own profile, staff banning and unbanning accounts, and staff's custom
stylesheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from people import audit, custom_css
from people.models import AuditEntry, CustomStyle, Profile

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def update_profile(
    user: User,
    display_name: str,
    bio: str,
    avatar: bytes | None = None,
    remove_avatar: bool = False,
    theme: str | None = None,
) -> Profile:
    """A new avatar wins over "remove" when both come in one form: the upload is the later wish. No theme:
    the current one stays."""
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
        profile.display_name = display_name
        profile.bio = bio
        fields = ["display_name", "bio"]
        if theme is not None:
            profile.theme = Profile.Theme(theme)
            fields.append("theme")
        if avatar is not None:
            profile.avatar = avatar
            profile.avatar_changed_at = timezone.now()
            fields += ["avatar", "avatar_changed_at"]
        elif remove_avatar:
            profile.avatar = None
            profile.avatar_changed_at = None
            fields += ["avatar", "avatar_changed_at"]
        profile.save(update_fields=fields)
    return profile


def may_ban(actor: User, target: User) -> str | None:
    """Why the actor may not ban (or unban) the target, if they may not."""
    if not (actor.is_active and actor.is_staff):
        return "Only staff can ban people."
    if actor.pk == target.pk:
        return "You cannot ban yourself."
    if target.is_superuser and not actor.is_superuser:
        return "Only a superuser can ban a superuser."
    return None


def ban(actor: User, target: User) -> None:
    """Deactivating is the ban: saving `is_active` alone sends the User signals presence/revocation.py
    listens to, which end every session of theirs and close every socket (4401) on every process."""
    set_active(actor, target, active=False)


def unban(actor: User, target: User) -> None:
    set_active(actor, target, active=True)


def set_active(actor: User, target: User, active: bool) -> None:
    refusal = may_ban(actor, target)
    if refusal:
        raise PermissionDenied(refusal)
    with transaction.atomic():
        fresh = get_user_model().objects.select_for_update().get(pk=target.pk)
        if fresh.is_active == active:
            return  # a second click, or two staff at once: one audit entry for one change
        fresh.is_active = active
        fresh.save(update_fields=["is_active"])
        audit.record(actor, AuditEntry.Action.UNBAN if active else AuditEntry.Action.BAN, fresh)
    target.is_active = active


def save_custom_style(style: CustomStyle) -> None:
    """Pages link the new version as soon as the row is stored: the cached one is dropped on commit."""
    with transaction.atomic():
        style.save()
        transaction.on_commit(custom_css.forget)
