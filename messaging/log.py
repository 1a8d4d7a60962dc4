"""How a message sits in the log: grouped under the previous one, starting a day, its reaction chips.

Decided when a message is rendered, from the room's message before it, so a push is still one render for
everyone and a catch-up or a page renders the same HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from messaging.models import Message

GROUP_WITHIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Chip:
    """One reaction on a message: its text, how many, and who (ids for the page's CSS, names for people)."""

    text: str
    count: int
    by: str
    names: str


@dataclass(frozen=True)
class Times:
    """A message's time as the log shows it, formatted once (four date filters per message were a fifth of a
    history page's rendering)."""

    iso: str  # <time datetime>
    short: str  # 13:28
    full: str  # its title: 26 Nov 2026, 13:28 (UTC); the zone is the server's (DJANGO_TIME_ZONE)
    day_iso: str  # the day divider's <time datetime>
    day: str  # Thursday 26 November 2026
    zone: str  # UTC: the zone of every time shown (the server's, DJANGO_TIME_ZONE), said at each day's start


def times(when: datetime, zone: tzinfo | None = None) -> Times:
    local = when.astimezone(zone or timezone.get_current_timezone())
    minute = local.replace(second=0, microsecond=0, tzinfo=None)
    return Times(when.isoformat(), *minute_texts(minute, local.tzname()))


@functools.lru_cache(maxsize=4096)
def minute_texts(local: datetime, zone: str | None) -> tuple[str, str, str, str, str]:
    """Everything but the instant itself: the same for every message of a minute (a page's 50 took a fifth of
    its preparation)."""
    return (
        f"{local:%H:%M}",
        f"{local.day} {local:%b %Y, %H:%M} ({zone})",
        f"{local:%Y-%m-%d}",
        f"{local:%A} {local.day} {local:%B %Y}",
        zone or "",
    )


def place(
    message: Message,
    previous_author_id: int | None,
    previous_created_at: datetime | None,
    zone: tzinfo | None = None,
) -> None:
    zone = zone or timezone.get_current_timezone()
    message.times = times(message.created_at, zone)
    day = message.created_at.astimezone(zone).date()
    message.day_start = previous_created_at is None or previous_created_at.astimezone(zone).date() != day
    message.grouped = (
        not message.day_start
        and message.author_id is not None  # two deleted accounts' messages are not one person's run
        and previous_author_id == message.author_id
        and previous_created_at is not None
        and message.created_at - previous_created_at < GROUP_WITHIN
    )


def chips(reactions: Iterable[tuple[int, str, str]]) -> list[Chip]:
    """A message's reactions as (user id, user name, text), in the order given, as chips: one per text."""
    by_text: dict[str, list[tuple[int, str]]] = {}
    for user_id, username, text in reactions:
        by_text.setdefault(text, []).append((user_id, username))
    return [
        Chip(text, len(people), " ".join(str(pk) for pk, _ in people), ", ".join(name for _, name in people))
        for text, people in by_text.items()
    ]


def reactions_of(message_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str]]]:
    """The reactions of many messages in one query of plain rows: a prefetch of Reaction and User models took
    9.4 ms of the 13.4 that loading a room page's 50 messages did (docs/measurements.md)."""
    from messaging.models import Reaction

    ids = list(message_ids)
    found: dict[int, list[tuple[int, str, str]]] = {}
    if not ids:
        return found
    rows = Reaction.objects.filter(message_id__in=ids).order_by("id")
    columns = ("message_id", "user_id", "user__username", "text")
    for message_id, user_id, username, text in rows.values_list(*columns):
        found.setdefault(message_id, []).append((user_id, username, text))
    return found


def prepare(messages: Iterable[Message]) -> list[Message]:
    """Messages loaded with `in_room()` and `with_previous()` (or `MessageQuerySet.newest`)."""
    prepared = list(messages)
    reactions = reactions_of(message.pk for message in prepared)
    zone = timezone.get_current_timezone()
    for message in prepared:
        # Annotated by MessageQuerySet.with_previous().
        place(
            message,
            getattr(message, "previous_author_id", None),
            getattr(message, "previous_created_at", None),
            zone,
        )
        message.chips = chips(reactions.get(message.pk, ()))
    return prepared


def by_room(messages: Iterable[Message]) -> dict[int, list[Message]]:
    """Messages of one batch per room, in their order: each room's log places (and announces) its own."""
    rooms: dict[int, list[Message]] = {}
    for message in messages:
        rooms.setdefault(message.room_id, []).append(message)
    return rooms


def prepare_new(messages: list[Message], previous: Message | None) -> list[Message]:
    """Messages just stored, in order, after `previous` (the room's message before them): no query."""
    zone = timezone.get_current_timezone()
    for message in messages:
        place(message, getattr(previous, "author_id", None), getattr(previous, "created_at", None), zone)
        message.chips = []
        previous = message
    return messages
