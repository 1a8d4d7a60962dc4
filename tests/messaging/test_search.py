"""Search: words, parts of words, phrases and CJK text; `in:#room` and `from:@user`; newest first, 20 a page;
only what the searcher can read; deleted messages never, edited ones by their current text; and every hostile
query a clear page. The same tests run on PostgreSQL (tests/integration/test_search_on_postgres.py)."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from django.db import connection

from messaging import actions, search
from messaging.models import Message
from messaging.search.query import parse
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def found(user, q: str, before: int | None = None) -> list[str]:
    return [message.body for message in search.find(user, parse(q), before, 50)]


def result_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="result-(\d+)"', html)]


@pytest.fixture
def said(room, alice, bob):
    """A few messages in the open room, oldest first."""
    texts = [
        (alice, "Deploying the release tonight"),
        (bob, "the **database** migration is slow"),
        (alice, "东京的会议改到明天"),
        (bob, "Let's meet at the usual place"),
        (alice, "release notes are in the wiki"),
    ]
    return [Message.objects.create(room=room, author=author, body=body) for author, body in texts]


def test_the_database_backend_is_the_one_under_test():
    expected = "postgresql" if os.environ.get("TEST_SUITE_DATABASE_URL") else "sqlite"
    assert connection.vendor == expected


def test_a_word_is_found_newest_first(said, alice):
    assert found(alice, "release") == ["release notes are in the wiki", "Deploying the release tonight"]


def test_part_of_a_word_is_found_and_case_does_not_matter(said, alice):
    assert found(alice, "DEPLOY") == ["Deploying the release tonight"]
    assert found(alice, "migrat") == ["the **database** migration is slow"]


def test_every_word_must_appear(said, alice):
    assert found(alice, "release wiki") == ["release notes are in the wiki"]
    assert found(alice, "release database") == []


def test_a_quoted_phrase_is_matched_as_written(said, alice):
    assert found(alice, '"usual place"') == ["Let's meet at the usual place"]
    assert found(alice, '"place usual"') == []


def test_chinese_text_without_spaces_is_found_by_a_part_of_it(said, alice):
    assert found(alice, "会议") == ["东京的会议改到明天"]
    assert found(alice, "的会议改") == ["东京的会议改到明天"]


def test_from_and_in_narrow_the_results(said, alice, bob, make_user):
    other = room_actions.open_room(bob, "random")
    Message.objects.create(room=other, author=bob, body="release party in random")

    assert found(alice, "release from:@alice") == [
        "release notes are in the wiki",
        "Deploying the release tonight",
    ]
    assert found(alice, "release in:#random") == ["release party in random"]
    assert found(alice, "from:@BOB in:#general") == [
        "Let's meet at the usual place",
        "the **database** migration is slow",
    ]
    assert found(alice, "release from:@nobody") == []
    assert found(alice, "release in:#nowhere") == []


def test_deleted_messages_are_never_found_and_edits_by_their_current_text_only(said, room, alice):
    actions.delete_own_message(alice, room, said[0].pk)
    actions.edit_message(alice, room, said[4].pk, "changelog lives in the wiki")

    assert found(alice, "release") == []
    assert found(alice, "changelog") == ["changelog lives in the wiki"]
    assert found(alice, "Deploying") == []


def test_a_private_room_and_a_conversation_are_found_only_by_their_members(alice, bob, carol):
    private = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=private, user=alice)
    Message.objects.create(room=private, author=alice, body="the secret plan")
    direct = room_actions.open_direct(alice, bob)
    Message.objects.create(room=direct, author=bob, body="the secret handshake")

    assert sorted(found(alice, "secret")) == ["the secret handshake", "the secret plan"]
    assert found(bob, "secret") == ["the secret handshake"]
    assert found(carol, "secret") == []
    assert found(carol, "secret in:#secret") == []
    assert found(carol, "handshake from:@bob") == []


def test_a_former_member_no_longer_finds_a_private_room(alice):
    private = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=private, user=alice)
    Message.objects.create(room=private, author=alice, body="the secret plan")
    Membership.objects.filter(room=private, user=alice).delete()

    assert found(alice, "secret") == []


def test_results_page_twenty_at_a_time_with_links_both_ways(room, alice):
    ids = [Message.objects.create(room=room, author=alice, body=f"needle {n}").pk for n in range(45)]
    client = login_client(alice)

    first = client.get("/search/", {"q": "needle"}).content.decode()
    assert result_ids(first) == ids[::-1][:20]
    assert f'before={ids[25]}">Older results</a>' in first
    assert "Newest results" not in first
    second = client.get("/search/", {"q": "needle", "before": str(ids[25])}).content.decode()
    assert result_ids(second) == ids[::-1][20:40]
    assert "Newest results" in second
    last = client.get("/search/", {"q": "needle", "before": str(ids[5])}).content.decode()
    assert result_ids(last) == ids[4::-1]
    assert "Older results" not in last


def test_a_result_shows_room_author_time_and_an_escaped_highlighted_snippet(room, alice):
    message = Message.objects.create(
        room=room, author=alice, body="<b>bold</b> & the Needle <script>x</script>"
    )

    page = login_client(alice).get("/search/", {"q": "needle"}).content.decode()

    entry = page[page.index(f'<li id="result-{message.pk}"') :]
    entry = entry[: entry.index("</li>")]
    assert "#general" in entry
    assert "<strong>alice</strong>" in entry
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; the <mark>Needle</mark> &lt;script&gt;x&lt;/script&gt;" in entry
    assert f'href="/rooms/general/messages/{message.pk}/#message-{message.pk}"' in entry
    assert "<script>" not in entry


def test_a_conversation_result_links_to_the_conversation_as_its_reader_knows_it(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    message = Message.objects.create(room=direct, author=alice, body="lunch tomorrow?")

    page = login_client(bob).get("/search/", {"q": "lunch"}).content.decode()

    assert f'href="/dm/alice/messages/{message.pk}/#message-{message.pk}"' in page
    assert "@alice" in page


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        "*",
        "NEAR(",
        "NEAR(a b)",
        "a AND b",
        "OR",
        "NOT x",
        "-x",
        "x:y",
        "^x",
        '"unbalanced',
        "((",
        "x)",
        "body:needle",
        "{a b}",
        "needle*",
        "%",
        "_",
        "\\",
        "'; DROP TABLE x; --",
        "\x01\x1b[31m",
        "\u202eevil",
        "\x00needle",
        "%ED%A0%80",
        "%FF%FE",
        "%00",
    ],
)
def test_query_syntax_is_just_text_and_never_an_error(said, alice, q):
    # Percent-escaped as a browser would, or raw bytes that are not UTF-8 (a lone surrogate's, a stray byte).
    encoded = q if q.startswith("%") else quote(q)
    response = login_client(alice).get(f"/search/?q={encoded}")

    assert response.status_code == 200
    assert "Search messages" in response.content.decode()


def test_operators_and_wildcards_match_literally(room, alice):
    Message.objects.create(room=room, author=alice, body="100% done, a_b and NEAR(x) too")
    Message.objects.create(room=room, author=alice, body="100 percent done")

    assert found(alice, "100%") == ["100% done, a_b and NEAR(x) too"]
    assert found(alice, "a_b") == ["100% done, a_b and NEAR(x) too"]
    assert found(alice, "NEAR(x)") == ["100% done, a_b and NEAR(x) too"]
    assert found(alice, "0%") == ["100% done, a_b and NEAR(x) too"]  # short: matched by LIKE, % escaped


def test_two_character_words_are_found_and_one_character_words_are_left_out(room, alice):
    Message.objects.create(room=room, author=alice, body="go team")
    Message.objects.create(room=room, author=alice, body="gone fishing")
    client = login_client(alice)

    assert found(alice, "go") == ["gone fishing", "go team"]
    assert found(alice, "go team") == ["go team"]
    page = client.get("/search/", {"q": "x"}).content.decode()
    assert "Search for at least 2 characters." in page
    assert "Left out, too short to search for: x" in page


def test_an_empty_query_shows_the_search_form(alice):
    page = login_client(alice).get("/search/", {"q": "   "}).content.decode()

    assert 'name="q"' in page
    assert "at least" not in page
    assert 'id="search-results"' not in page


def test_a_query_over_the_limit_is_refused_clearly(alice):
    response = login_client(alice).get("/search/", {"q": "a" * 501})

    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()


@pytest.mark.parametrize("before", ["-1", "0", "abc", "9" * 40, "1e3", ""])
def test_a_malformed_before_shows_the_first_page(said, alice, before):
    response = login_client(alice).get("/search/", {"q": "release", "before": before})

    assert response.status_code == 200
    assert len(result_ids(response.content.decode())) == 2


def test_search_needs_a_signed_in_user(client):
    assert client.get("/search/", {"q": "x"}).status_code == 302


def test_only_get_is_answered(alice):
    assert login_client(alice).post("/search/", {"q": "x"}).status_code == 405


def test_the_header_has_a_search_box_on_every_page(alice):
    page = login_client(alice).get("/rooms/").content.decode()

    header_form = '<form class="site-search" role="search" aria-label="Search messages" method="get"'
    assert f'{header_form} action="/search/">' in page


def test_a_snippet_shows_the_words_without_their_markdown_marks():
    from messaging.search.snippets import snippet

    shown = snippet("Agenda:\n\n- release **notes**\n- `v2.3` planning\n> quoted ~~gone~~", ["notes"])

    assert str(shown) == "Agenda: release <mark>notes</mark> v2.3 planning quoted gone"
    assert str(snippet("snake_case and 2*3*4 stay", [])) == "snake_case and 2*3*4 stay"
