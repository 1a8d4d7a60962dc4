"""Losing access ends sockets on every process, not only on the one that handled the request."""

from __future__ import annotations

import pytest

from realtime import close_codes
from tests.ws_client import PASSWORD, ChatUser

pytestmark = pytest.mark.services


async def test_a_member_removed_on_one_process_loses_their_socket_on_the_other_at_once(cluster):
    first, second = cluster(2)
    alice = ChatUser(first.url, "alice").sign_up()
    bob = ChatUser(second.url, "bob").sign_up()
    landed = alice._post_form("/rooms/", {"name": "Plans", "topic": "", "kind": "private"})
    assert landed.endswith("/rooms/plans/")
    alice._post_form("/rooms/plans/members/", {"username": "bob"})
    a = await alice.socket("/ws/rooms/plans/")
    b = await bob.socket("/ws/rooms/plans/")
    await a.send(body="before")
    await b.receive_until("before")

    alice._post_form("/rooms/plans/members/bob/remove/", {}, form_page="/rooms/plans/members/")

    assert await b.close_code(timeout=1) == close_codes.FORBIDDEN
    await a.send(body="after")
    await a.receive_until("after")
    await a.close()


async def test_a_person_banned_on_one_process_loses_every_socket_on_the_other_at_once(cluster):
    first, second = cluster(2)
    admin = ChatUser(first.url, "admin")
    landed = admin._post_form("/setup/", {"username": "admin", "password1": PASSWORD, "password2": PASSWORD})
    assert landed.endswith("/rooms/general/")
    cat = ChatUser(second.url, "cat").sign_up()
    cat.open_room("hall")
    in_room = await cat.socket("/ws/rooms/hall/")
    in_lobby = await cat.socket("/ws/lobby/")

    admin._post_form("/people/cat/ban/", {"confirm": "on"})

    assert await in_room.close_code(timeout=1) == close_codes.NOT_SIGNED_IN
    assert await in_lobby.close_code(timeout=1) == close_codes.NOT_SIGNED_IN
    assert "/accounts/login/" in cat.opener.open(second.url + "/rooms/hall/").geturl()
