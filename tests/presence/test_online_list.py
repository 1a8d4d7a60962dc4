"""A big room's online list names the first people and counts the rest, on the page and in pushes."""

from __future__ import annotations

import re

import pytest

from presence import broadcasts, tracker
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_online(room, make_user):
    users = [make_user(name) for name in ["eve", "bob", "dan", "alice", "carol"]]
    for n, user in enumerate(users):
        tracker.join(user, room.pk, f"socket-{n}")
    return users


def names_in(html: str) -> list[str]:
    return re.findall(r'title="Send \w+ a direct message">(\w+)</a>', html)


def test_the_page_names_the_first_people_alphabetically_and_counts_the_rest(room, five_online, settings):
    settings.PRESENCE_LIST_LIMIT = 3

    page = login_client(five_online[0]).get("/rooms/general/").content.decode()
    online = page[page.index('id="online-users"') :]

    assert names_in(online) == ["alice", "bob", "carol"]
    assert "and 2 more" in online


def test_the_pushed_list_is_capped_the_same_way(room, five_online, settings, monkeypatch):
    settings.PRESENCE_LIST_LIMIT = 4
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        broadcasts, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )

    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == room.group_name]
    assert names_in(pushed) == ["alice", "bob", "carol", "dan"]
    assert "and 1 more" in pushed


def test_a_list_within_the_limit_names_everyone(room, five_online):
    assert broadcasts.online_list(room.pk) == {
        "usernames": ["alice", "bob", "carol", "dan", "eve"],
        "more": 0,
    }
