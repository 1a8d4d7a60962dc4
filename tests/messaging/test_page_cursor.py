"""The page cursor's rules on their own: what is held, dropped, remembered and allowed, frame by frame."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from messaging import catchup
from messaging.catchup import PageCursor, Plan

CONNECTED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def frame(message_id: int | None, text: str = "") -> catchup.Frame:
    return {"message_id": message_id, "html": text or f"m{message_id}"}


def plan(sent: list[int], cursor: int, synced_at: datetime = CONNECTED) -> Plan:
    return Plan(room=None, replace_log=False, missed=sent, revised=[], cursor=cursor, synced_at=synced_at)  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    # The cursor reads the time module's clock; these tests run no event loop that could mind.
    monkeypatch.setattr(time, "monotonic", clock)
    return clock


def released(cursor: PageCursor) -> PageCursor:
    """A cursor past its first sync, whose held frames have all gone out: live frames flow."""
    cursor.synced(plan([], cursor.cursor))
    assert cursor.take_held() == []
    return cursor


def test_frames_arriving_before_the_first_sync_are_held_in_arrival_order():
    cursor = PageCursor(cursor=5)

    assert cursor.incoming([frame(6)]) == []
    assert cursor.incoming([frame(7), frame(8)]) == []

    assert cursor.held == [frame(6), frame(7), frame(8)]


def test_the_held_frames_go_out_less_those_the_catch_up_sent_then_live_frames_flow_again():
    cursor = PageCursor(cursor=5)
    cursor.incoming([frame(6), frame(7), frame(None, "typing")])
    cursor.synced(plan([6], cursor=6))

    assert cursor.take_held() == [frame(7), frame(None, "typing")]
    # Frames that came while those were sent are held still: they go out in the next round, in order.
    assert cursor.incoming([frame(9)]) == []
    assert cursor.take_held() == [frame(9)]
    assert cursor.take_held() == []
    assert cursor.held is None

    assert cursor.incoming([frame(10)]) == [frame(10)]


def test_a_late_live_copy_of_a_caught_up_message_is_dropped_and_the_rest_kept_in_order():
    cursor = released(PageCursor(cursor=5))
    cursor.caught_up = {6, 8}

    assert cursor.incoming([frame(6), frame(7), frame(None, "presence"), frame(8), frame(9)]) == [
        frame(7),
        frame(None, "presence"),
        frame(9),
    ]


def test_frames_without_a_message_pass_even_when_something_was_caught_up():
    cursor = released(PageCursor(cursor=5))
    cursor.caught_up = {6}

    frames = [frame(None, "presence"), frame(7)]
    assert cursor.incoming(frames) == frames


def test_forwarded_messages_move_the_cursor_forward_only():
    cursor = PageCursor(cursor=5)

    cursor.forwarded([frame(9), frame(7), frame(None, "typing"), frame(0, "no message")])
    assert cursor.cursor == 9

    cursor.forwarded([frame(8)])
    assert cursor.cursor == 9


def test_messages_forwarded_before_the_first_sync_are_remembered_for_it_and_not_after(settings):
    settings.CHAT_CATCHUP_LIMIT = 3
    cursor = PageCursor(cursor=0)

    cursor.forwarded([frame(1), frame(None, "typing"), frame(2), frame(3), frame(4)])
    # Bounded: past the catch-up limit a sync replaces the whole log anyway.
    assert cursor.sent_before_sync == {1, 2, 3}

    already_sent, floor = cursor.syncing()
    assert (already_sent, floor) == (frozenset({1, 2, 3}), 3)

    cursor.synced(plan([5], cursor=5))
    assert cursor.sent_before_sync == set()
    cursor.forwarded([frame(6)])
    assert cursor.sent_before_sync == set()
    assert cursor.cursor == 6


def test_a_sync_with_nothing_sent_before_it_has_no_floor():
    assert PageCursor(cursor=4).syncing() == (frozenset(), 0)


def test_a_later_sync_holds_live_frames_again_and_keeps_those_already_held():
    cursor = released(PageCursor(cursor=5))
    assert cursor.held is None

    cursor.syncing()
    assert cursor.held == []
    assert cursor.incoming([frame(6)]) == []

    cursor.syncing()
    assert cursor.held == [frame(6)]


def test_a_sync_moves_the_cursor_forward_only_and_records_what_it_sent_and_when():
    cursor = PageCursor(cursor=10, connected_at=CONNECTED)
    assert cursor.since() == CONNECTED

    later = CONNECTED + timedelta(minutes=5)
    cursor.synced(plan([3, 4], cursor=4, synced_at=later))

    assert cursor.cursor == 10
    assert cursor.caught_up == {3, 4}
    assert cursor.since() == later

    cursor.synced(plan([11, 12], cursor=12, synced_at=later))
    assert cursor.cursor == 12
    assert cursor.caught_up == {11, 12}


def test_a_page_syncs_once_at_once_then_at_the_rate_allowed(settings, clock):
    settings.CHAT_SYNCS_PER_MINUTE = 6
    cursor = PageCursor(cursor=0, sync_checked_at=clock.now)

    assert cursor.may_sync() is True
    assert cursor.may_sync() is False

    clock.now += 9.9
    assert cursor.may_sync() is False
    clock.now += 0.1
    assert cursor.may_sync() is True
    assert cursor.may_sync() is False


def test_a_page_quiet_for_an_hour_saves_up_one_minute_of_syncs_and_no_more(settings, clock):
    settings.CHAT_SYNCS_PER_MINUTE = 3
    cursor = PageCursor(cursor=0, sync_checked_at=clock.now)

    clock.now += 3600
    assert [cursor.may_sync() for _ in range(5)] == [True, True, True, False, False]


def test_at_one_sync_a_minute_a_quiet_page_saves_up_one(settings, clock):
    settings.CHAT_SYNCS_PER_MINUTE = 1
    cursor = PageCursor(cursor=0, sync_checked_at=clock.now)
    assert cursor.may_sync() is True

    clock.now += 3600
    assert [cursor.may_sync() for _ in range(2)] == [True, False]


def test_with_syncs_turned_off_a_page_still_syncs_once_when_it_opens(settings, clock):
    settings.CHAT_SYNCS_PER_MINUTE = 0
    cursor = PageCursor(cursor=0, sync_checked_at=clock.now)

    assert cursor.may_sync() is True
    clock.now += 3600
    assert cursor.may_sync() is False


def test_a_sync_time_before_the_epoch_is_read_as_the_epoch():
    early = catchup.SyncForm({"after": "3", "since": "1999-12-31T23:59:59+00:00"})
    later = catchup.SyncForm({"after": "3", "since": "2026-01-02T03:04:05+00:00"})

    assert early.is_valid()
    assert later.is_valid()
    assert early.cleaned_data["since"] == catchup.EPOCH
    assert later.cleaned_data["since"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_small_catch_up_goes_out_appended_in_batches_then_the_changes_replaced_in_batches():
    missed = list(range(1, 52))
    revised = list(range(100, 127))
    the_plan = Plan(None, False, missed, revised, cursor=51)  # type: ignore[arg-type]

    assert list(catchup.steps(the_plan)) == [
        ("messaging/_messages_appended.html", missed[:25]),
        ("messaging/_messages_appended.html", missed[25:50]),
        ("messaging/_messages_appended.html", missed[50:]),
        ("messaging/_messages_replaced.html", revised[:25]),
        ("messaging/_messages_replaced.html", revised[25:]),
    ]


def test_a_gap_too_large_replaces_the_log_in_one_step():
    latest = list(range(1, 60))
    the_plan = Plan(None, True, latest, [], cursor=59)  # type: ignore[arg-type]

    assert list(catchup.steps(the_plan)) == [(catchup.LOG, latest)]


def test_nothing_missed_is_no_step():
    assert list(catchup.steps(Plan(None, False, [], [], cursor=5))) == []  # type: ignore[arg-type]


def test_the_cursor_frame_carries_the_new_cursor_and_sync_time_out_of_band():
    synced_at = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=UTC)
    html = catchup.cursor_frame(Plan(None, False, [], [], cursor=12345, synced_at=synced_at))  # type: ignore[arg-type]

    assert 'id="sync-after" name="after" value="12345"' in html
    assert 'id="sync-since"' in html
    assert synced_at.isoformat() in html
    assert "hx-swap-oob" in html
