"""How a person is shown: their display name, else their username; a deleted account's messages stay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from people.models import Profile

DELETED_USER = "Deleted user"


def profile_of(user: AbstractBaseUser) -> Profile | None:
    """The profile if it was loaded or exists (Django remembers a missing one: asking twice costs nothing)."""
    try:
        return user.profile  # type: ignore[attr-defined,no-any-return]
    except ObjectDoesNotExist:
        return None


def chosen_name(user: AbstractBaseUser) -> str:
    """The name the person chose, or "" (a page then shows their @username)."""
    profile = profile_of(user)
    return profile.display_name if profile is not None else ""


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return DELETED_USER
    return chosen_name(user) or user.get_username()
