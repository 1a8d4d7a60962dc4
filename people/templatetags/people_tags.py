"""How a person looks on any page: name and avatar. Nothing here depends on who is looking, so a pushed
message renders once for everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from people import avatars, names

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

register = template.Library()

AVATAR_COLOURS = 8


@register.filter
def display_name(user: AbstractBaseUser | None) -> str:
    return names.display_name(user)


@register.filter
def avatar_colour(user_id: int | None) -> int:
    """One of the stylesheet's avatar colours, the same for a person everywhere."""
    return int(user_id or 0) * 5 % AVATAR_COLOURS


@register.filter
def initials(name: str) -> str:
    """Two letters: of the first two words, else the first two of the one word. A word starting with an emoji
    or a symbol gives none (the circle is too small for one)."""
    words = name.replace("_", " ").replace("-", " ").replace(".", " ").split()
    words = [word for word in words if word[0].isalnum()]
    if len(words) > 1:
        return "".join(word[0] for word in words[:2]).upper()
    return words[0][:2].upper() if words else "?"


def avatar_url(user: AbstractBaseUser) -> str | None:
    profile = names.profile_of(user)
    if profile is None or profile.avatar_changed_at is None:
        return None
    return reverse("people:avatar", args=[user.get_username(), avatars.version_of(profile.avatar_changed_at)])


@register.simple_tag
def avatar(user: AbstractBaseUser | None, css: str = "") -> SafeString:
    """The person's picture, else their initials on their colour; a deleted account's is a blank grey one.
    Decorative (the name is always next to it): hidden from screen readers."""
    if user is None:
        return format_html('<span class="avatar avatar-none {}" aria-hidden="true"></span>', css)
    url = avatar_url(user)
    if url is not None:
        return format_html('<img class="avatar {}" src="{}" alt="" aria-hidden="true">', css, url)
    return format_html(
        '<span class="avatar avatar-{} {}" aria-hidden="true">{}</span>',
        avatar_colour(user.pk),
        css,
        initials(names.display_name(user)),
    )
