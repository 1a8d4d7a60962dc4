"""Hostile input over the socket and the no-JavaScript POST: a clear answer, nothing stored."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from messaging import actions
from messaging.models import Message
from rooms import actions as room_actions
from tests.conftest import login_client

pytestmark = pytest.mark.django_db(transaction=True)

ONE_MIB = 1024 * 1024

REFUSED_BODIES = [
    pytest.param("", id="empty"),
    pytest.param(" \t\n ", id="whitespace only"),
    pytest.param("\x00\x01\x1b\x7f", id="control characters only"),
    pytest.param("x" * 4001, id="one over the maximum"),
    pytest.param("y" * ONE_MIB, id="one mebibyte"),
]


@database_sync_to_async
def stored() -> list[str]:
    return list(Message.objects.values_list("body", flat=True))


@pytest.mark.parametrize("body", REFUSED_BODIES)
async def test_refused_bodies_over_the_socket(connect, room, alice, body):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body=body)

    assert "composer-errors" in await a.receive_until('id="composer-errors"')
    assert await stored() == []
    await a.send(body="the socket still works")
    await a.receive_until("the socket still works")


@pytest.mark.parametrize("body", REFUSED_BODIES)
def test_refused_bodies_over_http(room, alice, body):
    response = login_client(alice).post("/rooms/general/", {"body": body})

    assert response.status_code == 400
    assert 'id="composer-errors"' in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("{", id="invalid json"),
        pytest.param("null", id="json null"),
        pytest.param("[]", id="json array"),
        pytest.param("12", id="json number"),
        pytest.param(json.dumps({"body": {"nested": "object"}}), id="body is an object"),
        pytest.param("z" * ONE_MIB, id="one mebibyte of garbage"),
    ],
)
async def test_malformed_frames(connect, room, alice, raw):
    a = await connect("/ws/rooms/general/", alice)

    await a.send_raw(text=raw)

    assert "composer-errors" in await a.receive_until('id="composer-errors"')
    assert await stored() == []


async def test_a_one_mebibyte_binary_frame_is_refused(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await a.send_raw(data=b"\xff" * ONE_MIB)

    assert "Binary frames" in await a.receive_until('id="composer-errors"')


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        pytest.param("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", id="script"),
        pytest.param('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert(1)"&gt;', id="img"),
        pytest.param("</article><div hx-swap-oob='true' id='messages'>", "&lt;/article&gt;&lt;div", id="oob"),
        pytest.param(
            "{{ request }} {% csrf_token %}", "{{ request }} {% csrf_token %}", id="template syntax"
        ),
        pytest.param("w" * 3000, "w" * 3000, id="a very long unbroken word"),
        pytest.param("bell\x07 here", "bell here", id="control characters dropped"),
    ],
)
async def test_text_that_looks_like_markup_is_stored_and_shown_as_text(connect, room, alice, body, shown):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body=body)

    frame = await a.receive_until("message-")
    assert shown in frame
    assert "<script>" not in frame
    assert "<img" not in frame


def test_the_page_shows_stored_markup_escaped(room, alice):
    actions.post_message(alice, room, "<b>bold?</b>")

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert "&lt;b&gt;bold?&lt;/b&gt;" in page
    assert "<b>bold?</b>" not in page


def test_posting_to_an_unknown_room_slug_that_cannot_be_created_is_404(alice, settings):
    settings.CHAT_AUTO_CREATE_ROOMS = False

    assert login_client(alice).post("/rooms/nowhere/", {"body": "hi"}).status_code == 404
    assert not Message.objects.exists()


def test_posting_into_someone_elses_dm_over_http_is_404(alice, bob, carol):
    room = room_actions.open_direct(alice, bob)

    response = login_client(carol).post(f"/rooms/{room.slug}/", {"body": "let me in"})

    assert response.status_code == 404
    assert not Message.objects.exists()


POISON_FRAMES = [
    pytest.param({"sync": "1", "after": "0", "since": 12}, id="since a number"),
    pytest.param({"sync": "1", "after": "0", "since": ["2020-01-01"]}, id="since a list"),
    pytest.param({"sync": "1", "after": "0", "since": {"a": 1}}, id="since an object"),
    pytest.param({"sync": "1", "after": 10**30, "since": "2020-01-01T00:00:00Z"}, id="after huge"),
    pytest.param({"sync": "1", "after": "0", "since": "9999-99-99T00:00:00"}, id="since no date"),
    pytest.param({"delete": ["1"]}, id="delete a list"),
    pytest.param({"delete": "1e400"}, id="delete 1e400 as text"),
    pytest.param({"delete": "-1"}, id="delete negative"),
    pytest.param({"delete": True}, id="delete true"),
    pytest.param({"delete": "9" * 40}, id="delete forty digits"),
    pytest.param({"body": "\ud800"}, id="lone surrogate"),
    pytest.param({"body": "ok\ud800ok"}, id="lone surrogate inside text"),
    pytest.param({"body": "nul\x00here"}, id="NUL"),
    pytest.param({"body": "non\ufffecharacter"}, id="non-character U+FFFE"),
    pytest.param({"body": "\ufdd0"}, id="non-character U+FDD0"),
    pytest.param({"body": "\u200b\u200c\u200d\ufeff"}, id="zero-width only"),
    pytest.param({"body": "\u3164\u2800 \u202e"}, id="fillers and an override only"),
]


@pytest.mark.parametrize("frame", POISON_FRAMES)
async def test_poison_frames_get_an_error_and_the_socket_stays_open(connect, room, alice, frame, caplog):
    a = await connect("/ws/rooms/general/", alice)

    # ensure_ascii keeps lone surrogates as \ud800 escapes, exactly as a hostile client would send them.
    await a.send_raw(text=json.dumps(frame))

    assert "composer-errors" in await a.receive_until('id="composer-errors"')
    await a.send(body="still here")
    await a.receive_until("still here")
    assert await stored() == ["still here"]
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"delete": Infinity}', id="delete Infinity"),
        pytest.param('{"delete": 1e400}', id="delete 1e400"),
        pytest.param('{"delete": NaN}', id="delete NaN"),
        pytest.param('{"body": ' + "[" * 30_000 + "]" * 30_000 + "}", id="body nested 30,000 deep"),
        pytest.param("[" * 30_000, id="30,000 open brackets"),
    ],
)
async def test_frames_json_cannot_hold_safely_get_an_error(connect, room, alice, raw, caplog):
    a = await connect("/ws/rooms/general/", alice)

    await a.send_raw(text=raw)

    assert "composer-errors" in await a.receive_until('id="composer-errors"')
    await a.send(body="still here")
    await a.receive_until("still here")
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]


async def test_a_sync_from_the_year_one_replays_everything_without_overflowing(connect, room, alice):
    await database_sync_to_async(actions.post_message)(alice, room, "old news")
    a = await connect("/ws/rooms/general/", alice)

    await a.send(sync="1", after="0", since="0001-01-01T00:00:00")

    frame = await a.receive_until('id="sync-since"')
    assert "old news" in "".join(a.seen)
    assert 'value="' in frame


def test_a_lone_surrogate_is_refused_before_it_reaches_a_batch(room, alice):
    from messaging.forms import MessageForm

    form = MessageForm(data={"body": "hi \ud800"})

    assert not form.is_valid()
    assert "cannot be stored" in form.errors["body"][0]


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        pytest.param("abc\u202edcba", "abcdcba", id="right-to-left override removed"),
        pytest.param("\u2066x\u2069 y", "x y", id="isolates removed"),
        pytest.param("שלום\u200f world", "שלום\u200f world", id="right-to-left mark kept"),
        pytest.param("👩\u200d💻", "👩\u200d💻", id="zero-width joiner in an emoji kept"),
        pytest.param("line one\r\nline two", "line one\nline two", id="newlines normalised"),
    ],
)
def test_bidirectional_controls_are_removed_and_needed_marks_kept(body, kept):
    from messaging.forms import MessageForm

    form = MessageForm(data={"body": body})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == kept


@pytest.mark.parametrize(
    "path", ["/ws/nowhere/", "/ws/rooms/", "/ws/rooms/a/b/", "/other/", "/ws/rooms/%00/"]
)
async def test_a_socket_path_that_matches_no_route_is_closed_4404_after_accept(path, alice, caplog):
    from tests.conftest import open_socket

    for user in (None, alice):
        socket = await open_socket(path, user, wait_live=False)
        assert await socket.close_code() == 4404
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]
