"""Reactions: a toggle per person and text, chips pushed to everyone, the same HTML for every viewer."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from messaging import actions, catchup
from messaging.errors import NotAllowed, RateLimited
from messaging.models import Reaction
from rooms import actions as room_actions
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reaction_toggles_and_is_counted_per_text(room, alice, bob):
    message = actions.post_message(alice, room, "lunch?")

    actions.toggle_reaction(bob, room, message.pk, "👍")
    actions.toggle_reaction(alice, room, message.pk, "👍")
    actions.toggle_reaction(bob, room, message.pk, "on my way")
    actions.toggle_reaction(alice, room, message.pk, "👍")  # taken back

    assert sorted(Reaction.objects.values_list("user__username", "text")) == [
        ("bob", "on my way"),
        ("bob", "👍"),
    ]


def test_a_message_holds_at_most_the_configured_number_of_distinct_reactions(room, alice, bob, settings):
    settings.CHAT_REACTIONS_PER_MESSAGE = 2
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    message = actions.post_message(alice, room, "vote")
    actions.toggle_reaction(alice, room, message.pk, "a")
    actions.toggle_reaction(alice, room, message.pk, "b")

    actions.toggle_reaction(bob, room, message.pk, "a")  # an existing one is still fine
    with pytest.raises(NotAllowed):
        actions.toggle_reaction(bob, room, message.pk, "c")


def test_reactions_count_against_the_rate_limit(room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 2
    message = actions.post_message(alice, room, "react to me")
    actions.toggle_reaction(bob, room, message.pk, "1")
    actions.toggle_reaction(bob, room, message.pk, "2")

    with pytest.raises(RateLimited):
        actions.toggle_reaction(bob, room, message.pk, "3")
    with pytest.raises(RateLimited):
        actions.post_message(bob, room, "and no posts either")


async def test_a_reaction_pushes_only_the_chips_with_counts_reactors_and_names(connect, room, alice, bob):
    message = await database_sync_to_async(actions.post_message)(alice, room, "ship it?")
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await b.send(react=str(message.pk), reaction="🎉")

    frame = await a.receive_until(f'id="reactions-{message.pk}"')
    assert f'<article id="message-{message.pk}"' not in frame  # an edit form open there stays open
    chip = re.search(r'<button[^>]*data-reaction="🎉"[^>]*>', frame)
    assert chip is not None
    assert f'data-by="{bob.pk}"' in chip.group(0)
    assert 'title="bob"' in chip.group(0)
    assert '<span class="reaction-count">1</span>' in frame

    await a.send(react=str(message.pk), reaction="🎉")
    frame = await b.receive_until('<span class="reaction-count">2</span>')
    assert f'data-by="{bob.pk} {alice.pk}"' in frame


def test_the_page_marks_the_viewers_own_reactions_by_its_css_rule(room, alice, bob):
    message = actions.post_message(alice, room, "hello")
    actions.toggle_reaction(bob, room, message.pk, "👀")

    page = login_client(bob).get("/rooms/general/").content.decode()

    assert f'.reaction[data-by~="{bob.pk}"]' in page
    assert f'data-reaction="👀" data-by="{bob.pk}"' in page


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ({"react": "abc", "reaction": "👍"}, "Malformed reaction"),
        ({"react": {"a": 1}, "reaction": "👍"}, "Malformed reaction"),
        ({"react": "OWN", "reaction": ""}, "Choose a reaction first."),
        ({"react": "OWN", "reaction": "   "}, "Choose a reaction first."),
        ({"react": "OWN", "reaction": "x" * 17}, "at most 16 characters"),
        ({"react": "OWN", "reaction": "a\x07b"}, "control characters"),
        ({"react": "OWN", "reaction": "\ud800"}, "control characters"),
        ({"react": "OWN", "reaction": "<b>hi</b>"}, "without markup"),
        ({"react": "OWN", "reaction": ["👍"]}, "Choose a reaction first."),
        ({"react": "GONE", "reaction": "👍"}, "That message is not here any more."),
        ({"react": "ELSEWHERE", "reaction": "👍"}, "That message is not here any more."),
    ],
)
async def test_bad_reactions_get_an_error_for_the_sender_only(connect, room, alice, bob, frame, error):
    own = await database_sync_to_async(actions.post_message)(alice, room, "own")
    gone = await database_sync_to_async(actions.post_message)(alice, room, "gone")
    await database_sync_to_async(actions.delete_message)(gone)
    other = await database_sync_to_async(room_actions.open_room)(alice, "other")
    elsewhere = await database_sync_to_async(actions.post_message)(alice, other, "elsewhere")
    ids = {"OWN": own.pk, "GONE": gone.pk, "ELSEWHERE": elsewhere.pk}
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    target = frame["react"]

    await a.send(**{**frame, "react": ids.get(target, target) if isinstance(target, str) else target})

    assert error in await a.receive_until('id="composer-errors"')
    await all_sent(f"room-{room.pk}", a, b)
    assert b.heard_about("reactions-") == []
    assert not await database_sync_to_async(Reaction.objects.exists)()


def test_without_javascript_a_reaction_button_posts_to_the_message_and_comes_back(room, alice, bob):
    message = actions.post_message(alice, room, "no js")

    response = login_client(bob).post(f"/rooms/general/messages/{message.pk}/react/", {"reaction": "❤️"})

    assert response.status_code == 302
    assert response["Location"] == f"/rooms/general/#message-{message.pk}"
    assert list(Reaction.objects.values_list("text", flat=True)) == ["❤️"]


def test_catch_up_brings_back_reactions_made_while_away(room, alice, bob):
    message = actions.post_message(alice, room, "while you were out")
    synced_at = timezone.now()
    actions.toggle_reaction(bob, room, message.pk, "👍")

    found = catchup.plan(room, message.pk, synced_at)

    assert found.revised == [message.pk]
    html = catchup.render_step(room, "messaging/_messages_replaced.html", found.revised)
    assert 'data-reaction="👍"' in html
