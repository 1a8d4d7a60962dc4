"""Losing access ends sockets on every process, not only on the one that handled the request."""

from __future__ import annotations

import pytest

from realtime import close_codes
from tests.ws_client import ChatUser

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
