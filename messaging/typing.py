""" "alice is typing…": who is typing in each room, kept by every process for its own sockets.

A typing frame (the composer's throttled htmx trigger) becomes one channel-layer event to the room; each
process that has sockets there adds the typist to its own list and, once per window
(CHAT_TYPING_WINDOW_MS), renders the room's line once and writes it to its sockets. A typist is dropped
CHAT_TYPING_EXPIRY_SECONDS after their last frame, or at once when their message is stored. Nothing is
written to the database.

The line is the same for everyone: it carries one variant per typist without their own name
(`data-without`), and each page's CSS shows its viewer's variant, so nobody reads that they are typing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

from realtime import events, groups
from realtime.hub import hub
from realtime.per_loop import PerLoop

if TYPE_CHECKING:
    from messaging.consumers import RoomConsumer

# A room with more typists than this shows a count; variants without one's own name stop here too.
NAMED_AT_MOST = 3
VARIANTS_AT_MOST = 10


@dataclass(frozen=True)
class Line:
    text: str
    without: int | None  # the viewer this variant is for (None: everyone else)


def sentence(names: Sequence[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} is typing…"
    if len(names) > NAMED_AT_MOST:
        return f"{len(names)} people are typing…"
    return f"{', '.join(names[:-1])} and {names[-1]} are typing…"


def lines(typists: dict[int, str]) -> list[Line]:
    ordered = sorted(typists.items(), key=lambda item: (item[1].lower(), item[0]))
    names = [name for _, name in ordered]
    found = [Line(sentence(names), None)]
    for user_id, _ in ordered[:VARIANTS_AT_MOST]:
        found.append(Line(sentence([name for pk, name in ordered if pk != user_id]), user_id))
    return found


def render(typists: dict[int, str]) -> str:
    context = {"typing_lines": lines(typists) if typists else [], "oob": True}
    return render_to_string("messaging/chat.html#typing", context)


class Typists:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.rooms: dict[int, dict[int, tuple[str, float]]] = {}
        self.pending: set[int] = set()
        self.flush_handle: asyncio.TimerHandle | None = None
        self.expiry_handle: asyncio.TimerHandle | None = None
        hub(loop).on(events.TYPING, self.heard)

    def heard(self, event: dict[str, Any]) -> None:
        room_id, user_id = event["room_id"], event["user_id"]
        typists = self.rooms.setdefault(room_id, {})
        if event["active"]:
            known = user_id in typists
            typists[user_id] = (event["name"], self.loop.time() + settings.CHAT_TYPING_EXPIRY_SECONDS)
            self._expire_later()
            if known:
                return
        elif typists.pop(user_id, None) is None:
            return
        if not typists:
            del self.rooms[room_id]
        self._changed(room_id)

    def is_typing(self, room_id: int, user_id: int) -> bool:
        return user_id in self.rooms.get(room_id, {})

    def fresh(self, room_id: int, user_id: int) -> bool:
        """Shown as typing for more than half the expiry still: a new frame need not tell anyone."""
        known = self.rooms.get(room_id, {}).get(user_id)
        return known is not None and known[1] - self.loop.time() > settings.CHAT_TYPING_EXPIRY_SECONDS / 2

    def _changed(self, room_id: int) -> None:
        self.pending.add(room_id)
        if self.flush_handle is None:
            self.flush_handle = self.loop.call_later(self.window(room_id), self._flush)

    def window(self, room_id: int) -> float:
        """Like presence's: a big room's line changes at most about once a second (each change is a write to
        every socket), a small room's within CHAT_TYPING_WINDOW_MS."""
        sockets = len(hub(self.loop).groups.get(groups.room(room_id), ()))
        return max(
            settings.CHAT_TYPING_WINDOW_MS / 1000,
            min(sockets * settings.PRESENCE_WINDOW_PER_SOCKET_US / 1e6, 2.0),
        )

    def _flush(self) -> None:
        rooms, self.pending, self.flush_handle = self.pending, set(), None
        for room_id in rooms:
            typists = {pk: name for pk, (name, _) in self.rooms.get(room_id, {}).items()}
            hub(self.loop).deliver_local(groups.room(room_id), render(typists), lazy=True)

    def _expire_later(self) -> None:
        if self.expiry_handle is None:
            self.expiry_handle = self.loop.call_later(1, self._expire)

    def _expire(self) -> None:
        self.expiry_handle = None
        now = self.loop.time()
        for room_id, typists in list(self.rooms.items()):
            gone = [pk for pk, (_, until) in typists.items() if until <= now]
            for pk in gone:
                del typists[pk]
            if not typists:
                del self.rooms[room_id]
            if gone:
                self._changed(room_id)
        if self.rooms:
            self._expire_later()


typists = PerLoop(Typists)


async def typed(socket: RoomConsumer, frame: dict[str, Any]) -> None:
    """A typing frame: counted at most once per throttle window per socket (the page already throttles;
    a client that does not is silently ignored). The page's frame carries its draft (`body`): the throttled
    trigger fires once more at the end of its window for keys typed before Enter, when the composer is
    empty again, and that one does not count."""
    assert socket.room is not None
    draft = frame.get("body")
    if isinstance(draft, str) and not draft.strip():
        return
    now = time.monotonic()
    if now - socket.typed_at < settings.CHAT_TYPING_THROTTLE_SECONDS * 0.9:
        return
    socket.typed_at = now
    user = socket.scope["user"]
    # Every process shows them until well after this frame would: one event per half expiry is enough.
    if typists().fresh(socket.room.pk, user.pk):
        return
    event = events.typing(socket.room.pk, user.pk, socket.shown_name, active=True)
    await hub().publish(groups.room(socket.room.pk), event)


def stopped(socket: RoomConsumer) -> None:
    """The socket's user has just posted: if they were shown typing, every process drops them now."""
    assert socket.room is not None
    user = socket.scope["user"]
    if typists().is_typing(socket.room.pk, user.pk):
        event = events.typing(socket.room.pk, user.pk, socket.shown_name, active=False)
        asyncio.get_running_loop().create_task(hub().publish(groups.room(socket.room.pk), event))
