"""Who is typing: throttled per socket, one render per room per window, cleared on send or after a pause."""

from __future__ import annotations

import re

import pytest

from messaging import typing
from realtime.hub import Hub
from tests.conftest import login_client

pytestmark = pytest.mark.django_db(transaction=True)


def shown_lines(frame: str) -> dict[str, str]:
    """The typing line's variants: "everyone" and one per typist id (without that typist)."""
    block = re.search(r'<div id="typing"[^>]*>(.*?)</div>', frame, re.S)
    assert block is not None, frame
    lines = re.findall(
        r'<p class="typing-line" (data-without="(\d+)"|data-everyone)>(.*?)</p>', block.group(1)
    )
    return {(without or "everyone"): text for _, without, text in lines}


def test_the_sentence_names_up_to_three_people_then_counts():
    assert typing.sentence(["alice"]) == "alice is typing…"
    assert typing.sentence(["alice", "bob"]) == "alice and bob are typing…"
    assert typing.sentence(["alice", "bob", "carol"]) == "alice, bob and carol are typing…"
    assert typing.sentence(["a", "b", "c", "d", "e"]) == "5 people are typing…"


async def test_a_typist_is_shown_to_the_room_without_their_own_name_and_cleared_when_they_send(
    connect, room, alice, bob, settings
):
    settings.CHAT_TYPING_WINDOW_MS = 10
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(typing="1")

    lines = shown_lines(await b.receive_until('id="typing"'))
    assert lines == {"everyone": "alice is typing…", str(alice.pk): ""}
    await a.send(body="done typing")
    assert shown_lines(await b.receive_until('id="typing"')) == {}


async def test_a_flood_of_typing_frames_counts_once_per_throttle_window(
    connect, room, alice, bob, settings, monkeypatch
):
    settings.CHAT_TYPING_WINDOW_MS = 10
    published: list[dict] = []
    original = Hub.publish

    async def counted(self, group, event):
        published.append(event)
        await original(self, group, event)

    monkeypatch.setattr(Hub, "publish", counted)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    for _ in range(50):
        await a.send(typing="1")
    await b.receive_until('id="typing"')
    await a.send(body="sent")
    await b.receive_until("sent")
    await b.receive_until('id="typing"')

    assert len(b.heard_about('id="typing"')) == 2  # shown once, cleared once: the flood cost nothing more
    # One event to show alice typing, one to drop her: the socket's throttle, and a typist still shown not
    # being announced again, keep 50 frames from costing the channel layer 50 events.
    assert [event["active"] for event in published] == [True, False]


async def test_a_typist_who_stops_is_dropped_after_the_expiry(connect, room, alice, bob, settings):
    settings.CHAT_TYPING_WINDOW_MS = 10
    settings.CHAT_TYPING_EXPIRY_SECONDS = 1
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(typing="1")
    await b.receive_until('id="typing"')

    assert shown_lines(await b.receive_until('id="typing"', timeout=4)) == {}


async def test_several_typists_share_one_line_with_a_variant_for_each(
    connect, room, alice, bob, carol, settings
):
    settings.CHAT_TYPING_WINDOW_MS = 200
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    c = await connect("/ws/rooms/general/", carol)

    await a.send(typing="1")
    await b.send(typing="1")

    frame = await c.receive_until('id="typing"')
    if "bob" not in frame:  # the two frames fell into two windows
        frame = await c.receive_until('id="typing"')
    assert shown_lines(frame) == {
        "everyone": "alice and bob are typing…",
        str(alice.pk): "bob is typing…",
        str(bob.pk): "alice is typing…",
    }


def test_the_page_shows_each_viewer_the_variant_without_their_own_name(room, alice):
    page = login_client(alice).get("/rooms/general/").content.decode()

    assert f'#typing [data-without="{alice.pk}"] {{ display: block; }}' in page
    assert f'#typing:has([data-without="{alice.pk}"]) [data-everyone] {{ display: none; }}' in page
    assert 'hx-trigger="input from:#composer throttle:2s" hx-include="#composer-body"' in page


async def test_a_typing_frame_whose_draft_is_empty_does_not_count(connect, room, alice, bob, carol, settings):
    """The page's throttled trigger fires once more after Enter, from an emptied composer."""
    settings.CHAT_TYPING_WINDOW_MS = 200
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    c = await connect("/ws/rooms/general/", carol)

    await a.send(typing="1", body="  ")
    await b.send(typing="1", body="next mess")

    assert shown_lines(await c.receive_until('id="typing"')) == {
        "everyone": "bob is typing…",
        str(bob.pk): "",
    }
