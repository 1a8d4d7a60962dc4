"""The log reads like a chat: runs by one author grouped, a divider per day, decided once per render."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from messaging import actions, catchup, log
from messaging.models import Message
from rooms.models import Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db(transaction=True)


def article_classes(html: str) -> dict[str, str]:
    return dict(re.findall(r'<article id="message-(\d+)" class="([^"]*)"', html))


def dividers(html: str) -> list[str]:
    return re.findall(r'<div class="day-divider" role="separator"><time datetime="([\d-]+)">', html)


def at(message: Message, when: datetime) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=when)


def test_a_run_by_one_author_within_five_minutes_shares_one_header(room, alice, bob):
    start = timezone.now() - timedelta(hours=1)
    m1 = actions.post_message(alice, room, "one")
    m2 = actions.post_message(alice, room, "two")
    m3 = actions.post_message(bob, room, "three")
    m4 = actions.post_message(bob, room, "four, much later")
    for message, minutes in ((m1, 0), (m2, 4), (m3, 5), (m4, 11)):
        at(message, start + timedelta(minutes=minutes))

    page = login_client(alice).get("/rooms/general/").content.decode()

    classes = article_classes(page)
    assert "message-grouped" not in classes[str(m1.pk)]
    assert "message-grouped" in classes[str(m2.pk)]
    assert "message-grouped" not in classes[str(m3.pk)]  # another author
    assert "message-grouped" not in classes[str(m4.pk)]  # six minutes after the previous one


def test_a_batch_posted_in_two_rooms_is_grouped_by_each_rooms_own_last_message(room, alice, bob):
    other = Room.objects.create(name="other", slug="other")
    actions.post_message(alice, room, "before, in general")
    actions.post_message(bob, other, "before, in other")

    stored = actions.post_messages(
        [actions.Post(alice, room, "alice again"), actions.Post(alice, other, "alice after bob")]
    )

    messages = [message for message in stored if isinstance(message, Message)]
    assert [message.grouped for message in messages] == [True, False]
    assert [message.day_start for message in messages] == [False, False]


def test_each_day_starts_with_a_divider_in_the_servers_time_zone(room, alice, settings):
    settings.TIME_ZONE = "Europe/Paris"
    m1 = actions.post_message(alice, room, "late on Monday")
    m2 = actions.post_message(alice, room, "still Monday in Paris")
    m3 = actions.post_message(alice, room, "Tuesday in Paris")
    at(m1, datetime(2026, 11, 23, 21, 0, tzinfo=UTC))
    at(m2, datetime(2026, 11, 23, 22, 58, tzinfo=UTC))
    at(m3, datetime(2026, 11, 23, 23, 1, tzinfo=UTC))

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert dividers(page) == ["2026-11-23", "2026-11-24"]
    assert "Monday 23 November 2026" in page
    assert "Tuesday 24 November 2026" in page


async def test_a_pushed_message_is_grouped_like_the_page_would_group_it(connect, room, alice, bob):
    await database_sync_to_async(actions.post_message)(alice, room, "first")
    b = await connect("/ws/rooms/general/", bob)
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="second")
    pushed = await b.receive_until("<p>second</p>")
    await b.send(body="third")
    third = await a.receive_until("<p>third</p>")

    assert "message-grouped" in pushed
    assert "day-divider" not in pushed
    assert "message-grouped" not in third


def test_catch_up_and_the_page_render_the_same_html(room, alice, bob):
    ids = [actions.post_message(user, room, f"m {n}").pk for n, user in enumerate([alice, alice, bob, bob])]
    actions.toggle_reaction(bob, room, ids[1], "👍")

    page = login_client(alice).get("/rooms/general/").content.decode()
    appended = catchup.render_step(room, "messaging/_messages_appended.html", ids[1:])

    for pk in ids[1:]:
        from_page = re.search(rf'<article id="message-{pk}".*?</article>', page, re.S)
        from_catch_up = re.search(rf'<article id="message-{pk}".*?</article>', appended, re.S)
        assert from_page is not None
        assert from_catch_up is not None
        assert from_page.group(0) == from_catch_up.group(0)


def test_the_same_wall_clock_minute_keeps_each_instants_zone_when_clocks_go_back():
    # 02:30 happens twice in Paris on 25 October 2026: first in summer time, then in winter time.
    with timezone.override("Europe/Paris"):
        summer = log.times(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
        winter = log.times(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))

    assert (summer.short, summer.zone) == ("02:30", "CEST")
    assert (winter.short, winter.zone) == ("02:30", "CET")
    assert summer.full == "25 Oct 2026, 02:30 (CEST)"
    assert summer.day == "Sunday 25 October 2026"
