"""Who a conversation is with, from what a person typed (the New message form's `to`) or from an address
(/dm/bob,carol/): one reading, one set of errors, whichever way the names came.

Usernames are `[\\w.@+-]` (Django's validator; sign-up also requires ASCII), so commas and whitespace can
separate them. Names match in any letter case (sign-up refuses a name differing only in case from a taken
one; should the admin have made both, the exact spelling wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.text import Truncator

from rooms.conversations import GROUP_MAX_MEMBERS, sort_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# 7 usernames of Django's 150 characters with their separators, and some slack for spaces.
MAX_CHARS = 1300
SEPARATORS = re.compile(r"[,\s]+")
USERNAME_SHAPE = re.compile(r"[\w.@+-]+\Z")
SHOWN_NAME_CHARS = 40
SHOWN_NAMES = 5


@dataclass
class Recipients:
    """The people named besides the reader (distinct, alphabetical), or why there are none."""

    others: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Some names match nobody (an address of nobody is a 404 like /dm/<nobody>/; in a form, a 400).
    unknown: bool = False
    # The reader named themselves too: left out of the others (they are in every conversation of theirs).
    named_self: bool = False

    @property
    def inactive(self) -> list[User]:
        return [user for user in self.others if not user.is_active]


def shown(name: str) -> str:
    """A name as an error message quotes it: invisible and control characters as U+XXXX, cut short."""
    visible = "".join(ch if ch.isprintable() else f"U+{ord(ch):04X}" for ch in name)
    return f"“{Truncator(visible).chars(SHOWN_NAME_CHARS)}”"


def listed(names: list[str]) -> str:
    quoted = [shown(name) for name in names[:SHOWN_NAMES]]
    more = len(names) - len(quoted)
    return ", ".join(quoted) + (f" and {more} more" if more else "")


def parse(raw: str, reader: User) -> Recipients:
    if len(raw) > MAX_CHARS:
        return Recipients(errors=[f"That list is too long ({len(raw):,} characters): name up to 7 people."])
    names = [name for name in SEPARATORS.split(raw) if name]
    if not names:
        return Recipients(errors=["Name at least one person to write to."])
    malformed = [name for name in names if not USERNAME_SHAPE.match(name)]
    if malformed:
        return Recipients(
            errors=[
                f"Not a username: {listed(malformed)}. Usernames are letters, digits and @ . + - _ only, "
                "separated by commas or spaces."
            ]
        )
    distinct: list[str] = []
    for name in names:  # duplicates, in any case, collapse silently
        if all(name.casefold() != kept.casefold() for kept in distinct):
            distinct.append(name)
        if len(distinct) > GROUP_MAX_MEMBERS:
            break
    others_named = [name for name in distinct if name.casefold() != reader.get_username().casefold()]
    if len(others_named) > GROUP_MAX_MEMBERS - 1:
        return Recipients(
            errors=[
                f"A conversation has at most {GROUP_MAX_MEMBERS} people: you and "
                f"{GROUP_MAX_MEMBERS - 1} others ({len(others_named)} named)."
            ]
        )
    return found(distinct, reader)


def found(names: list[str], reader: User) -> Recipients:
    """`names`: distinct in any case, at most 8 (the reader and 7 others)."""
    matches = models.Q()
    for name in names:
        matches |= models.Q(username__iexact=name)
    users = list(get_user_model().objects.filter(matches).order_by("pk"))
    result = Recipients()
    people: dict[int, User] = {}
    unknown = []
    for name in names:
        same = [user for user in users if user.username.casefold() == name.casefold()]
        user = next((user for user in same if user.username == name), same[0] if same else None)
        if user is None:
            unknown.append(name)
        elif user.pk == reader.pk:
            result.named_self = True
        else:
            people[user.pk] = user
    if unknown:
        result.unknown = True
        result.errors.append(f"Nobody here is called {listed(unknown)}.")
    elif not people:
        result.errors.append("That is you: name someone else to write to.")
    result.others = sorted(people.values(), key=lambda user: sort_key(user.username))
    return result


def inactive_error(recipients: Recipients) -> str:
    names = [user.username for user in recipients.inactive]
    return f"These accounts are closed and cannot receive messages: {listed(names)}."
