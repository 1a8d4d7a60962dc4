"""Nothing the channel layer drops is lost silently: it is counted, logged, and the page converges on its own
socket (catch-up for messages, a whole online list for presence), without reconnecting."""

from __future__ import annotations

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async

import site_config.asgi  # noqa: F401  (its django.setup() reconfigures logging: before caplog, not during a test)
from realtime import losses, transport
from realtime.hub import hub
from tests.realtime.drops import Valve, counts, handed_over, ids_in, post, sync, use_layer

pytestmark = pytest.mark.django_db(transaction=True)

IN_MEMORY = "channels.layers.InMemoryChannelLayer"


@pytest.fixture(autouse=True)
def quick(settings, caplog):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    settings.HUB_WATERMARK_SECONDS = 0.2
    caplog.set_level(logging.WARNING)


async def converged(socket, ids: list[int], timeout: float = 10) -> None:
    """The socket has received each of `ids` (live or by catch-up) exactly once."""
    deadline = asyncio.get_running_loop().time() + timeout
    while set(ids) - set(ids_in(socket.seen)):
        remaining = deadline - asyncio.get_running_loop().time()
        missing = sorted(set(ids) - set(ids_in(socket.seen)))
        assert remaining > 0, f"the page never got messages {missing}"
        await socket.receive(remaining)
    received = [pk for pk in ids_in(socket.seen) if pk in set(ids)]
    assert sorted(received) == sorted(set(received)), "a message reached the page twice"


async def test_events_dropped_over_capacity_are_counted_logged_and_caught_up(
    connect, room, alice, bob, settings, caplog
):
    use_layer(settings, IN_MEMORY, capacity=5)
    settings.HUB_WATERMARK_SECONDS = 60  # found by the next event's number alone
    valve = Valve()
    a = await connect("/ws/rooms/general/", alice)
    await sync(a, after=0)
    before = counts()
    shown_before = len(a.seen)

    valve.close()
    ids = [await post(room, bob, f"while stalled {n}") for n in range(20)]
    valve.release()
    ids.append(await post(room, bob, "the one after"))  # its number shows the gap

    await converged(a, ids)
    await a.receive_until('id="online-users"')  # the online list, whole again
    lost, gaps, _, _ = counts()
    # One event held by the stalled relay, five in its queue (a watermark may take a place), the rest refused.
    assert 14 <= lost - before[0] <= 15
    assert gaps - before[1] == 1
    assert f"lost {lost - before[0]} event(s) for room-" in caplog.text
    assert "asking 1 socket(s) to catch up" in caplog.text
    assert "online-users" in "".join(a.seen[shown_before:])


async def test_events_that_expired_in_the_layer_are_found_by_the_watermark_and_caught_up(
    connect, room, alice, bob, settings, caplog
):
    # The in-memory layer also unsubscribes a channel whose message expired: nothing after it would arrive.
    use_layer(settings, IN_MEMORY, expiry=1)
    valve = Valve()
    a = await connect("/ws/rooms/general/", alice)
    await sync(a, after=0)
    first = await post(room, bob, "before the stall")
    await a.receive_until(f'id="message-{first}"')
    before = counts()

    valve.close()
    ids = [await post(room, bob, f"expired {n}") for n in range(3)]
    await asyncio.sleep(1.5)  # past the layer's expiry: nothing else can make them expire
    valve.release()

    await converged(a, ids)
    # The stalled relay holds the first event it takes, and it comes late: the first of these posts, or a
    # frame of the room another thread sent meanwhile (then all three posts expired). The rest expired, with
    # no event after them to reveal it: the own watermark's check finds them.
    lost = counts()[0] - before[0]
    assert lost in (2, 3)
    assert counts()[2] > before[2]
    assert "not keeping up" in caplog.text
    assert "did not come back" in caplog.text
    assert f"lost {lost} event(s) for room-" in caplog.text

    later = await post(room, bob, "live again")  # subscribed again: live delivery works
    await a.receive_until(f'id="message-{later}"')


async def test_a_dropped_last_event_is_found_by_the_next_watermark(
    connect, room, alice, bob, settings, caplog
):
    use_layer(settings, IN_MEMORY, capacity=2)
    settings.HUB_WATERMARK_SECONDS = 1
    valve = Valve()
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await sync(a, after=0)
    before = counts()

    valve.close()
    for n in range(6):  # from bob's socket: the loop's publisher sends them
        await b.send(body=f"the last ones {n}")
        await b.receive_until('id="composer-reply"')
        await handed_over()
    valve.release()

    ids = await sync_to_async(lambda: list(room.messages.order_by("id").values_list("id", flat=True)))()
    assert len(ids) == 6
    await converged(a, ids)
    assert counts()[0] > before[0]
    assert "lost " in caplog.text


async def test_normal_traffic_from_many_concurrent_senders_logs_no_loss(connect, room, alice, bob, caplog):
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await sync(a, after=0)
    before = counts()
    group = "room-" + str(room.pk)

    def from_a_thread(sender: int) -> None:
        for n in range(30):
            transport.send_html(group, f'<p id="t{sender}-{n}" hx-swap-oob="true"></p>')

    async def from_the_loop() -> None:
        for n in range(30):
            frame = {"type": "hub.frame", "html": f'<p id="l-{n}"></p>', "message_id": None}
            await hub().publish(group, frame)
            await asyncio.sleep(0)

    await asyncio.gather(
        *(sync_to_async(from_a_thread, thread_sensitive=False)(sender) for sender in range(4)),
        from_the_loop(),
        *(b.send(body=f"posted {n}") for n in range(10)),
    )
    await handed_over()
    needles = [f'id="t{s}-{n}"' for s in range(4) for n in range(30)] + [f'id="l-{n}"' for n in range(30)]
    while [needle for needle in needles if needle not in "".join(a.seen)]:
        await a.receive(timeout=10)
    # Every watermark of this process has gone out and come back.
    process = hub()
    while process.gaps.awaiting or process.publisher.mark_handle is not None:
        await asyncio.sleep(0.05)

    assert counts() == before
    assert "event(s) for" not in caplog.text
    assert "did not come back" not in caplog.text


def test_the_counter_line_is_parseable():
    line = losses.Losses(lost_events=3, gaps=1, late_events=7, slow_socket_closes=2).line()
    assert line == "realtime losses: lost=3 gaps=1 late=7 slow_socket_closes=2"
    found = losses.LINE.fullmatch(line)
    assert found is not None
    assert found["late"] == "7"
