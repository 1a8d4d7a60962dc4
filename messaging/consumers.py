"""The room socket: parse and validate frames, hand them to actions, keep the page in line with the database.

Presence, notifications and forwarding come from the base class; this adds sending, deleting and catch-up.
Every malformed frame gets an error fragment and the socket stays open: a client's mistake never closes it
and never costs anyone else anything.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model

from messaging import actions, attention, catchup, fragments, sync_queries, typing
from messaging.catchup_gate import gate
from messaging.errors import ActionRefused, SignedOut
from messaging.forms import MessageForm, ReactionForm
from messaging.writer import writer
from people.names import display_name
from presence.consumers import PresenceSocket
from presence.tracker import Joined
from realtime import close_codes, events, groups
from realtime.socket import Handler
from rooms import actions as room_actions
from rooms import conversations
from rooms.models import Membership, Room

# A legitimate frame is the body (bounded by CHAT_MESSAGE_MAX_LENGTH) plus a few headers; anything far larger
# is refused before it is parsed.
MAX_FRAME_CHARS = 64 * 1024
DIRECT_SLUG = re.compile(r"dm-(\d{1,19})-(\d{1,19})")
# An unsaved group's page connects with its member ids (`?members=3.5.9`), which its slug's hash cannot give.
GROUP_MEMBERS = re.compile(r"members=(\d{1,19}(?:\.\d{1,19}){2,7})")


def parse_id(value: Any) -> int | None:
    """A database id from a frame: a positive integer, given as digits or a JSON integer; else None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def joined(frames: list[dict[str, Any]]) -> str:
    return "".join(frame["html"] for frame in frames)


def parse_frame(text_data: str) -> dict[str, Any] | None:
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        return None
    return frame if isinstance(frame, dict) else None


def open_missing_direct(slug: str, user: Any) -> Room | None:
    """A conversation is stored when its first socket opens (a GET of its page writes nothing)."""
    match = DIRECT_SLUG.fullmatch(slug)
    if match is None:
        return None
    low, high = (int(part) for part in match.groups())
    if low >= high or user.pk not in (low, high):
        return None
    other = get_user_model().objects.filter(pk=high if user.pk == low else low, is_active=True).first()
    return room_actions.open_direct(user, other) if other is not None else None


def open_missing_group(slug: str, user: Any, query_string: bytes) -> Room | None:
    """A group is stored when its first socket opens, if its member ids (the user's among them) are the
    ones the slug was made from and all of them can still receive messages."""
    match = GROUP_MEMBERS.fullmatch(query_string.decode("latin-1"))
    if match is None or not conversations.is_group_slug(slug):
        return None
    ids = {int(part) for part in match.group(1).split(".")}
    if user.pk not in ids or len(ids) < conversations.GROUP_MIN_MEMBERS:
        return None
    if conversations.group_slug(ids) != slug:
        return None
    others = list(get_user_model().objects.filter(pk__in=ids - {user.pk}, is_active=True))
    return room_actions.open_group(user, others) if len(others) == len(ids) - 1 else None


@database_sync_to_async
def load_readable_room(slug: str, user: Any, query_string: bytes = b"") -> tuple[Room | None, int, str, str]:
    """The room if the user may read it (else None: missing and forbidden look the same), its newest
    message id (the cursor until the page syncs), the user's name as the typing line shows it and, for a
    conversation, its name for this user."""
    room = (
        Room.objects.filter(slug=slug).first()
        or open_missing_direct(slug, user)
        or open_missing_group(slug, user, query_string)
    )
    if room is None or not room.can_read(user):
        return None, 0, "", ""
    room_actions.join_room(user, room)  # an open room joins the visitor's sidebar
    newest = room.messages.order_by("-id").values_list("id", flat=True).first()
    seen_as = conversations.of_room(room, user.pk).title if room.kind == Room.Kind.DIRECT else ""
    return room, newest or 0, display_name(user), seen_as


@database_sync_to_async
def plan_catch_up(
    room: Room, user: Any, after: int, since: datetime, already_sent: frozenset[int], floor: int
) -> catchup.Plan | int:
    """The catch-up, or the close code if the user may no longer read the room (checked on every sync)."""
    access = sync_queries.access(user.pk, room.pk)
    if not access.active:
        return close_codes.NOT_SIGNED_IN
    if access.kind is None:
        return close_codes.NO_SUCH_ROOM
    if not access.readable:
        return close_codes.FORBIDDEN
    return catchup.plan(room, after, since, already_sent, floor)


def unread_state(user: Any, except_room: int | None) -> tuple[list[str], int]:
    """The page counts unread messages of the user's other rooms and conversations; and what is addressed to
    them now, for its title (a reopened socket may have missed changes)."""
    room_ids = (
        Membership.objects.filter(user=user).exclude(room=except_room).values_list("room_id", flat=True)
    )
    return [groups.unread(room_id) for room_id in room_ids], attention.count_for(user.pk)


class ChatPageSocket(PresenceSocket):
    """What every chat page's socket shares: unread counts of the user's rooms, conversations appearing, the
    count of what is addressed to the user in the page's title."""

    # The page's own title (its <title> block), which the count goes in front of.
    page_title = "Chat"
    attention = 0
    # The user's other rooms' unread groups, read as the socket opens (`arrive`, in the database thread).
    unread_groups: Sequence[str] = ()

    def arrive(self, user: Any) -> Joined | None:
        joined = super().arrive(user)
        if joined is not None:
            self.unread_groups, self.attention = unread_state(user, self.room_id)
        return joined

    async def admit(self) -> int | None:
        refusal = await super().admit()
        if refusal is None:
            for group in self.unread_groups:
                await self.join_group(group)
        return refusal

    async def greeting(self) -> str:
        return await super().greeting() + fragments.page_title(self.page_title, self.attention)

    def control_handlers(self) -> dict[str, Handler]:
        return {
            **super().control_handlers(),
            events.MEMBERSHIP_ADDED: self.membership_added,
            events.MEMBERSHIP_REMOVED: self.membership_removed,
            events.ROOM_GONE: self.room_gone,
            events.ATTENTION: self.attention_changed,
        }

    async def attention_changed(self, event: events.Event) -> None:
        """Sent to this user's sockets only, with their own count: each puts it in its own page's title."""
        self.attention = event["count"]
        await self.send_frame(fragments.page_title(self.page_title, self.attention))

    async def membership_added(self, event: events.Event) -> None:
        """A conversation was opened with this user, or a room joined: list it and count its unread messages
        from now on (not on the page that shows it: what its reader sees there is read)."""
        if event["room_id"] != self.room_id:
            await self.join_group(groups.unread(event["room_id"]))
        await self.send(text_data=event["html"])

    async def membership_removed(self, event: events.Event) -> None:
        if self.room_id == event["room_id"]:
            await self.end(close_codes.FORBIDDEN)
            return
        await self.leave_group(groups.unread(event["room_id"]))

    async def room_gone(self, event: events.Event) -> None:
        await self.end(close_codes.NO_SUCH_ROOM)


class LobbyConsumer(ChatPageSocket):
    """The room selector's socket: live online counts."""

    shows_online_total = True
    page_title = "Rooms"

    def page_groups(self) -> list[str]:
        return [groups.LOBBY]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The lobby expects nothing from the page."""


class RoomConsumer(ChatPageSocket):
    room: Room | None = None
    page: catchup.PageCursor
    # When this socket last counted as typing (messaging/typing.py).
    typed_at = -1e9
    # Read once as the socket opens (a renamed person's new name shows from their next page on).
    shown_name = ""
    # A conversation's name for this socket's user, for the composer it sends back.
    composer_to = ""

    async def authorize(self) -> int | None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        query_string = self.scope.get("query_string", b"")
        user = self.scope["user"]
        room, newest, self.shown_name, self.composer_to = await load_readable_room(slug, user, query_string)
        if room is None:
            return close_codes.NO_SUCH_ROOM
        self.room, self.room_id = room, room.pk
        # As the page's <title> block says it (messaging/chat.html).
        self.page_title = self.composer_to or f"#{room.name}"
        self.page = catchup.PageCursor(newest)
        typing.typists()  # hears the room's typing events before the socket joins the room
        asyncio.get_running_loop().call_later(settings.CHAT_SYNC_GRACE_SECONDS, self._release_soon)
        return None

    async def release(self) -> None:
        await super().release()
        if self.room is not None and self.page.cursor:
            await database_sync_to_async(actions.mark_read)(
                self.scope["user"], self.room.pk, self.page.cursor
            )

    def page_groups(self) -> list[str]:
        assert self.room is not None
        return [groups.room(self.room.pk)]

    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        # The hot path (every frame, every socket of the room): straight to the write.
        forward = self.page.incoming(frames)
        if forward:
            await self.send_frame(html if forward is frames else joined(forward))
            self.page.forwarded(forward)

    def _release_soon(self) -> None:
        if self.page.held is not None and self.page.synced_at is None:
            asyncio.get_running_loop().create_task(self.release_held())

    async def release_held(self) -> None:
        """Forward held frames, less what a catch-up sent; frames arriving meanwhile queue behind them."""
        while (batch := self.page.take_held()) or self.page.held is not None:
            if batch:
                await super().deliver(batch, joined(batch))
                self.page.forwarded(batch)

    async def sync(self, after: int, since: datetime) -> None:
        assert self.room is not None
        user = self.scope["user"]
        async with gate().turn_of(user.pk):
            already_sent, floor = self.page.syncing()
            # Not gated: a few indexed queries, and every socket's sync on open (a reconnect storm) needs one.
            plan = await plan_catch_up(self.room, user, after, since, already_sent, floor)
            if isinstance(plan, int):
                await self.end(plan)
                return
            for template, ids in catchup.steps(plan):
                # One batch per trip to the database thread, one catch-up's batch in its queue at a time:
                # posts go in between.
                async with gate().batch:
                    html = await database_sync_to_async(catchup.render_step)(plan.room, template, ids)
                if not await self.drained():
                    await self.drop_behind()
                    return
                await self.send_frame(html)
            await self.send_frame(catchup.cursor_frame(plan))
            self.page.synced(plan)
        await self.release_held()

    async def resync(self) -> None:
        await self.sync(self.page.cursor, self.page.since())

    def failure_html(self) -> str:
        return fragments.errors(["Something went wrong on our side: please try again."])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None or self.closing:
            return
        if text_data is None:
            await self.send(text_data=fragments.errors(["Binary frames are not accepted."]))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send(text_data=fragments.errors(["That message is far too long."]))
            return
        frame = parse_frame(text_data)
        if frame is None:
            await self.send(text_data=fragments.errors(["Malformed frame: expected a JSON object."]))
            return
        if "sync" in frame:
            await self.sync_on_request(frame)
            return
        if "typing" in frame:
            await typing.typed(self, frame)
            return
        if "delete" in frame:
            await self.send(text_data=await self.delete(frame["delete"]))
            return
        if "edit" in frame:
            await self.send(text_data=await self.edit(frame))
            return
        if "react" in frame:
            await self.send(text_data=await self.react(frame))
            return
        await self.post(frame)

    async def sync_on_request(self, frame: dict[str, Any]) -> None:
        # Only text fields, as a form sends them: a number or an object for a date is simply invalid.
        form = catchup.SyncForm(data={key: value for key, value in frame.items() if isinstance(value, str)})
        if not form.is_valid():
            await self.send(text_data=fragments.errors(["Malformed sync request."]))
        elif not self.page.may_sync():
            await self.send(text_data=fragments.errors(["Too many sync requests: this page is up to date."]))
        else:
            await self.sync(form.cleaned_data["after"], form.cleaned_data["since"])

    async def post(self, frame: dict[str, Any]) -> None:
        assert self.room is not None
        body = frame.get("body")
        raw_reply = frame.get("reply_to")
        reply_to = parse_id(raw_reply) if raw_reply not in (None, "") else None
        if raw_reply not in (None, "") and reply_to is None:
            await self.send(text_data=fragments.errors(["Malformed reply: no such message."]))
            return
        form = MessageForm(data={"body": body if isinstance(body, str) else ""})
        if not form.is_valid():
            # The page cleared its composer when it sent: the text comes back with the error.
            value = body if isinstance(body, str) else ""
            errors = [str(error) for error in form.errors["body"]]
            await self.send(text_data=fragments.composer_refused(self.room, value, errors, self.composer_to))
            return
        post = actions.Post(self.scope["user"], self.room, form.cleaned_data["body"], reply_to)
        result = await writer().post(post)
        if isinstance(result, SignedOut):
            await self.end(close_codes.NOT_SIGNED_IN)
        elif isinstance(result, ActionRefused):
            refusal = [result.message]
            await self.send(
                text_data=fragments.composer_refused(self.room, post.body, refusal, self.composer_to)
            )
        else:
            typing.stopped(self)
            await self.send(text_data=fragments.composer_sent(result.room))

    async def delete(self, raw_id: Any) -> str:
        message_id = parse_id(raw_id)
        if message_id is None:
            return fragments.errors(["Malformed delete request."])
        answer: str = await self._delete(message_id)
        return answer

    async def edit(self, frame: dict[str, Any]) -> str:
        message_id = parse_id(frame["edit"])
        if message_id is None:
            return fragments.errors(["Malformed edit request."])
        body = frame.get("body")
        form = MessageForm(data={"body": body if isinstance(body, str) else ""})
        if not form.is_valid():
            return fragments.errors(str(error) for error in form.errors["body"])
        answer: str = await self._act(actions.edit_message, message_id, form.cleaned_data["body"])
        current: str = await self._current(message_id)
        return answer + current

    async def react(self, frame: dict[str, Any]) -> str:
        message_id = parse_id(frame["react"])
        if message_id is None:
            return fragments.errors(["Malformed reaction: no such message."])
        reaction = frame.get("reaction")
        form = ReactionForm(data={"reaction": reaction if isinstance(reaction, str) else ""})
        if not form.is_valid():
            return fragments.errors(str(error) for error in form.errors["reaction"])
        answer: str = await self._act(actions.toggle_reaction, message_id, form.cleaned_data["reaction"])
        return answer

    @database_sync_to_async
    def _act(self, action: Any, message_id: int, value: str) -> str:
        assert self.room is not None
        try:
            action(self.scope["user"], self.room, message_id, value)
        except ActionRefused as refusal:
            return fragments.errors([refusal.message])
        return fragments.errors([])

    @database_sync_to_async
    def _current(self, message_id: int) -> str:
        """The message as stored, for this page only: an edit form left open (nothing changed, or refused)
        closes."""
        assert self.room is not None
        return fragments.message(self.room, message_id)

    @database_sync_to_async
    def _delete(self, message_id: int) -> str:
        assert self.room is not None
        try:
            actions.delete_own_message(self.scope["user"], self.room, message_id)
        except ActionRefused as refusal:
            return fragments.errors([refusal.message])
        return fragments.errors([])
