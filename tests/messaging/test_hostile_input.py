"""Hostile input over the socket and the no-JavaScript POST: a clear answer, nothing stored."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from messaging import actions
from messaging.models import Message
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
        pytest.param(
            '<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;", id="img"
        ),
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
    room = actions.open_direct(alice, bob)

    response = login_client(carol).post(f"/rooms/{room.slug}/", {"body": "let me in"})

    assert response.status_code == 404
    assert not Message.objects.exists()
