"""Sockets opening take turns for the database: a storm of them cannot queue in front of posts."""

from __future__ import annotations

import asyncio

import pytest

from messaging import consumers

pytestmark = pytest.mark.django_db(transaction=True)


async def test_at_most_the_configured_number_of_sockets_do_their_opening_work_at_once(
    connect, room, make_user, settings, monkeypatch
):
    settings.CHAT_ADMISSIONS_AT_ONCE = 2
    users = [await asyncio.to_thread(make_user, f"user{n}") for n in range(12)]
    inside = 0
    most = 0
    original = consumers.RoomConsumer.authorize

    async def counted(self):
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        try:
            await asyncio.sleep(0.01)  # a slow database, so that openings overlap
            return await original(self)
        finally:
            inside -= 1

    monkeypatch.setattr(consumers.RoomConsumer, "authorize", counted)

    sockets = await asyncio.gather(*(connect("/ws/rooms/general/", user) for user in users))

    assert len(sockets) == 12
    assert most == 2
