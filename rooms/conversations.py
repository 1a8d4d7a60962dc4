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
    """A conversation as one of its members sees it: the others, alphabetically."""

    others: tuple[str, ...]
    is_group: bool

    @classmethod
    def one_to_one(cls, other: User) -> Conversation:
        return cls((other.get_username(),), is_group=False)

    @classmethod
    def group(cls, others: Iterable[User]) -> Conversation:
        return cls(tuple(sorted((user.get_username() for user in others), key=sort_key)), is_group=True)

    @property
    def title(self) -> str:
        return title(self.others)

    @property
    def label(self) -> str:
        """In lists and headings: a one-to-one conversation is "@bob", a group its title."""
        return self.title if self.is_group else f"@{self.title}"

    @property
    def address(self) -> str:
        """The URL part after /dm/: one username, or the others' usernames joined by commas."""
        return ",".join(self.others)


def of_rooms(rooms: Iterable[Room], reader_id: int) -> dict[int, Conversation]:
    """Each conversation among `rooms` as `reader_id` sees it: one query (none without conversations)."""
    direct = {room.pk: room for room in rooms if room.kind == Room.Kind.DIRECT}
    if not direct:
        return {}
    others: dict[int, list[str]] = defaultdict(list)
    rows = Membership.objects.filter(room_id__in=direct).exclude(user_id=reader_id)
    for room_id, username in rows.values_list("room_id", "user__username"):
        others[room_id].append(username)
    return {
        pk: Conversation(tuple(sorted(others[pk], key=sort_key)), is_group=is_group_slug(room.slug))
        for pk, room in direct.items()
    }


def of_room(room: Room, reader_id: int) -> Conversation:
    return of_rooms([room], reader_id)[room.pk]
