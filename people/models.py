"""A person beyond their account: profile, how they got in (sign-up invitations), and what staff did to them
(the moderation audit log, which the rooms and messages apps write to as well)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# Staff's custom stylesheet, in UTF-8 bytes: far more than a palette needs, small enough for every page.
CUSTOM_CSS_MAX_BYTES = 100 * 1024


class Profile(models.Model):
    class Theme(models.TextChoices):
        SYSTEM = "system", "Follow the system"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.CharField(max_length=300, blank=True)
    # A 128 px image re-encoded by Pillow (EXIF gone), served by a view: nothing for a self-hoster to set up.
    avatar = models.BinaryField(null=True, blank=True, editable=False)
    avatar_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


def validate_custom_css(css: str) -> None:
    try:
        size = len(css.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: no database stores it
        raise ValidationError("The stylesheet holds a character that cannot be stored.") from None
    if size > CUSTOM_CSS_MAX_BYTES:
        raise ValidationError(
            f"The stylesheet is {size:,} bytes; at most {CUSTOM_CSS_MAX_BYTES:,} are allowed."
        )
    if "\x00" in css:
        raise ValidationError("The stylesheet holds a NUL character, which cannot be stored.")


class CustomStyle(models.Model):
    """Staff's own CSS for the whole site, edited in the admin: one row at most (the admin adds no second).

    Only ever served as a text/css stylesheet at its own URL (people/custom_css.py), never inlined into a
    page, so nothing in it can become HTML or script."""

    css = models.TextField(
        "custom CSS",
        blank=True,
        validators=[validate_custom_css],
        help_text="Loaded on every page after the chat's own styles; empty: no extra stylesheet. "
        "Override the colour variables of static/css/chat.css, e.g. :root { --chat-accent: #6f42c1; }.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "custom style"

    def __str__(self) -> str:
        return "Custom CSS"


class SignupInvitation(models.Model):
    """A join link made by staff when sign-up is invite-only."""

    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: any number.")
    uses = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-up invitation {self.pk}"


class AuditEntry(models.Model):
    """One moderation action: who did what to whom, when. Written by actions, read only in the admin."""

    class Action(models.TextChoices):
        BAN = "ban", "Banned"
        UNBAN = "unban", "Unbanned"
        MUTE = "mute", "Muted in a room"
        UNMUTE = "unmute", "Unmuted in a room"
        DELETE_MESSAGE = "delete_message", "Deleted a message"
        REMOVE_MEMBER = "remove_member", "Removed from a room"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Names as they were: the audit outlives deleted accounts, rooms and messages.
    actor_name = models.CharField(max_length=150, blank=True)
    target_name = models.CharField(max_length=150, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display().lower()} {self.target_name}"
