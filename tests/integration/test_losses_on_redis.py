"""The same losses with channels-redis (its core layer, in this process): refused over capacity and expired in
Redis, found, counted and caught up on the page's own socket."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.layers import get_channel_layer

import site_config.asgi  # noqa: F401  (its django.setup() reconfigures logging: before caplog, not during a test)
from tests.realtime.drops import Valve, counts, ids_in, post, sync, use_layer
from tests.services import fresh_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REDIS = "channels_redis.core.RedisChannelLayer"


@pytest.fixture
async def redis_layer(settings, caplog) -> AsyncIterator[dict[str, object]]:
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    settings.HUB_WATERMARK_SECONDS = 0.2
    caplog.set_level(logging.WARNING)
    config: dict[str, object] = {"hosts": [{"address": fresh_redis(), "socket_timeout": None}]}
    yield config
    layer: Any = get_channel_layer()
    await layer.flush()
    await layer.close_pools()


async def converged(socket, ids: list[int], timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while set(ids) - set(ids_in(socket.seen)):
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"the page never got messages {sorted(set(ids) - set(ids_in(socket.seen)))}"
        await socket.receive(remaining)
    received = [pk for pk in ids_in(socket.seen) if pk in set(ids)]
    assert sorted(received) == sorted(set(received)), "a message reached the page twice"


async def test_redis_refusing_events_over_capacity_is_found_and_caught_up(
    connect, room, alice, bob, settings, caplog, redis_layer
):
    use_layer(settings, REDIS, **redis_layer, capacity=5)
    settings.HUB_WATERMARK_SECONDS = 60  # found by the next event's number alone
    valve = Valve()
    a = await connect("/ws/rooms/general/", alice)
    await sync(a, after=0)
    before = counts()

    valve.close()
    ids = [await post(room, bob, f"while stalled {n}") for n in range(20)]
    valve.release()
    ids.append(await post(room, bob, "the one after"))

    await converged(a, ids)
    lost = counts()[0] - before[0]
    assert 14 <= lost <= 15
    assert f"lost {lost} event(s) for room-" in caplog.text


async def test_events_that_expired_in_redis_are_found_and_caught_up(
    connect, room, alice, bob, settings, caplog, redis_layer
):
    use_layer(settings, REDIS, **redis_layer, expiry=1)
    valve = Valve()
    a = await connect("/ws/rooms/general/", alice)
    await sync(a, after=0)
    first = await post(room, bob, "before the stall")
    await a.receive_until(f'id="message-{first}"')
    before = counts()

    valve.close()
    ids = [await post(room, bob, f"expired {n}") for n in range(3)]
    await asyncio.sleep(3)  # Redis counts expiry in whole seconds
    valve.release()

    await converged(a, ids)
    assert counts()[0] - before[0] >= 2
    assert "event(s) for room-" in caplog.text
