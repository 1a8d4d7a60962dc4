"""How a person is shown: their display name, else their username; a deleted account's messages stay."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from people.models import Profile

DELETED_USER = "Deleted user"
NOT_LOADED = object()
# Django's username rule (letters, digits, @ . + - _; sign-up adds ASCII only): anything else in an address
# is nobody, answered before a query (PostgreSQL refuses a NUL in a query outright).
USERNAME_SHAPE = re.compile(r"[\w.@+-]{1,150}\Z")


def is_username(value: str) -> bool:
    return USERNAME_SHAPE.match(value) is not None


def profile_of(user: AbstractBaseUser) -> Profile | None:
    """The profile if it was loaded or exists. Django remembers a missing one, but says so by raising, which
    costs more than the rest of a name's lookup together; most people never make a profile, and a message
    asks four times, so the remembered answer is read first."""
    loaded = user._state.fields_cache.get("profile", NOT_LOADED)
    if loaded is not NOT_LOADED:
        return loaded  # type: ignore[no-any-return]
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
