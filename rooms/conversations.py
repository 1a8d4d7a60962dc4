"""Conversations (rooms of kind DIRECT): one-to-one at `dm-<low id>-<high id>`, groups of 3 to 8 people at
`dm-g-<hash of the sorted member ids>`.

A group's membership is fixed: a different set of people is a different conversation, so its address is
its member set. Ids of 8 people do not fit a slug (8 x 19 digits), a hash of them does, and `dm-g-` never
takes the `dm-<digits>-<digits>` shape of a one-to-one slug. A conversation has no name of its own for its
members: each knows it by the other members' names (its title) at /dm/<their usernames>/ (its address).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.text import Truncator

from people.names import DELETED_USER, display_name
from rooms import names
from rooms.models import Membership, Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

GROUP_SLUG_PREFIX = f"{names.DIRECT_SLUG_PREFIX}g-"
GROUP_MIN_MEMBERS = 3
GROUP_MAX_MEMBERS = 8
# Hex digits of the member-set hash kept in the slug: 160 bits, and `dm-g-` + 40 fits SLUG_MAX_LENGTH.
GROUP_HASH_DIGITS = 40
# A title names this many people at most; more read "bob, carol and 3 others".
NAMED_IN_TITLE = 3

assert len(GROUP_SLUG_PREFIX) + GROUP_HASH_DIGITS <= names.SLUG_MAX_LENGTH


def sort_key(username: str) -> tuple[str, str]:
    """Addresses and titles list people alphabetically, whatever case they were typed in."""
    return (username.casefold(), username)


def group_slug(member_ids: Iterable[int]) -> str:
    ids = ",".join(str(pk) for pk in sorted(set(member_ids)))
    return GROUP_SLUG_PREFIX + hashlib.sha256(ids.encode()).hexdigest()[:GROUP_HASH_DIGITS]


def group_name(members: Iterable[User]) -> str:
    """Shown in the admin only (pages name the other members): every member, within the name's limit."""
    usernames = sorted((member.get_username() for member in members), key=sort_key)
    return Truncator(", ".join(usernames)).chars(names.NAME_MAX_LENGTH)


def is_group_slug(slug: str) -> bool:
    return slug.startswith(GROUP_SLUG_PREFIX)


def title(usernames: Sequence[str]) -> str:
    """ "bob", "bob and carol", "bob, carol and dave", "bob, carol and 3 others"."""
    if len(usernames) <= 1:
        return "".join(usernames)
    if len(usernames) > NAMED_IN_TITLE:
        shown = NAMED_IN_TITLE - 1
        return f"{', '.join(usernames[:shown])} and {len(usernames) - shown} others"
    return f"{', '.join(usernames[:-1])} and {usernames[-1]}"


@dataclass(frozen=True)
class Conversation:
    """A conversation as one of its members sees it: the others' usernames, alphabetically, and how each is
    shown (display name or username). No others: the other person deleted their account."""

    others: tuple[str, ...]
    is_group: bool
    shown: tuple[str, ...] = ()
    # A one-to-one conversation's other person (their presence dot in the sidebar).
    partner_id: int | None = None
    # False when the members are no longer those its address was made from (an account deleted, a member
    # removed in the admin): it is then read at its room address.
    addressable: bool = True

    @classmethod
    def one_to_one(cls, other: User) -> Conversation:
        return cls((other.get_username(),), is_group=False, shown=(display_name(other),), partner_id=other.pk)

    @classmethod
    def group(cls, others: Iterable[User]) -> Conversation:
        people = sorted(others, key=lambda user: sort_key(user.get_username()))
        return cls(
            tuple(user.get_username() for user in people),
            is_group=True,
            shown=tuple(display_name(user) for user in people),
        )

    @property
    def title(self) -> str:
        if not self.others:
            return DELETED_USER
        return title(self.shown or self.others)

    @property
    def label(self) -> str:
        """In lists: a group is its title, a person their display name, or "@bob" without one."""
        if self.is_group or not self.others or (self.shown and self.shown != self.others):
            return self.title
        return f"@{self.title}"

    @property
    def address(self) -> str:
        """The URL part after /dm/: one username, or the others' usernames joined by commas ("" when it has
        none: see `addressable`)."""
        return ",".join(self.others) if self.addressable else ""


def of_rooms(rooms: Iterable[Room], reader_id: int) -> dict[int, Conversation]:
    """Each conversation among `rooms` as `reader_id` sees it: one query (none without conversations)."""
    direct = {room.pk: room for room in rooms if room.kind == Room.Kind.DIRECT}
    if not direct:
        return {}
    others: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    rows = Membership.objects.filter(room_id__in=direct).exclude(user_id=reader_id)
    for room_id, username, chosen, user_id in rows.values_list(
        "room_id", "user__username", "user__profile__display_name", "user_id"
    ):
        others[room_id].append((username, chosen or username, user_id))
    seen = {pk: sorted(others[pk], key=lambda person: sort_key(person[0])) for pk in direct}
    return {
        pk: Conversation(
            tuple(username for username, _, _ in seen[pk]),
            is_group=is_group_slug(room.slug),
            shown=tuple(shown for _, shown, _ in seen[pk]),
            partner_id=seen[pk][0][2] if len(seen[pk]) == 1 and not is_group_slug(room.slug) else None,
            addressable=not is_group_slug(room.slug)
            or group_slug({reader_id, *(user_id for _, _, user_id in seen[pk])}) == room.slug,
        )
        for pk, room in direct.items()
    }


def of_room(room: Room, reader_id: int) -> Conversation:
    return of_rooms([room], reader_id)[room.pk]
