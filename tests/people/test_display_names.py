"""Display names wherever people are shown, rendered once for every viewer; usernames stay the handle."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.template import Context, Template
from django.utils import timezone

from messaging import actions
from people import avatars, names
from people.models import Profile
from people.templatetags.people_tags import avatar
from rooms.actions import open_direct
from tests.conftest import login_client
from tests.messaging.test_typing import shown_lines
from tests.people.images import image_bytes
from tests.presence.shown import ShownList

AUTHOR = re.compile(r'<a class="message-author" href="/people/([^/]+)/" tabindex="-1">([^<]*)</a>')


def name(user, display_name: str, with_avatar: bool = False) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.display_name = display_name
    if with_avatar:
        profile.avatar = avatars.process(image_bytes("PNG"))
        profile.avatar_changed_at = timezone.now()
    profile.save()
    return profile


def post(user, room, body: str, reply_to: int | None = None):
    [message] = actions.post_messages([actions.Post(user, room, body, reply_to)])
    return message


@pytest.mark.django_db
def test_a_message_shows_its_authors_display_name_linking_to_their_profile(room, alice, bob):
    name(alice, "Alice Liddell")
    post(alice, room, "hello")
    post(bob, room, "hi")

    page = login_client(bob).get("/rooms/general/").content.decode()

    assert AUTHOR.findall(page) == [("alice", "Alice Liddell"), ("bob", "bob")]
    assert 'class="message-author" href="/dm/' not in page


@pytest.mark.django_db
def test_a_reply_quotes_the_display_name(room, alice, bob):
    name(alice, "Alice Liddell")
    first = post(alice, room, "question")
    post(bob, room, "answer", reply_to=first.pk)

    page = login_client(bob).get("/rooms/general/").content.decode()

    assert "<strong>Alice Liddell</strong> question" in page


@pytest.mark.django_db
def test_hostile_display_names_reach_the_room_page_escaped(room, alice, bob):
    name(alice, "<script>x</script>")
    name(bob, '" hx-get="/x" a="\u202e')
    post(alice, room, "one")
    post(bob, room, "two")

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert 'hx-get="/x"' not in page


@pytest.mark.django_db
def test_the_room_page_costs_no_more_queries_for_ten_authors_with_profiles(
    room, alice, make_user, django_assert_max_num_queries
):
    client = login_client(alice)
    post(alice, room, "warm")
    client.get("/rooms/general/")
    with django_assert_max_num_queries(100) as one_author:
        client.get("/rooms/general/")
    for number in range(10):
        author = make_user(f"author{number}")
        if number % 2:
            name(author, f"Author {number}", with_avatar=number % 4 == 1)
        post(author, room, f"message {number}")
        post(author, room, f"reply {number}")

    with django_assert_max_num_queries(len(one_author.captured_queries)):
        page = client.get("/rooms/general/").content.decode()

    assert len(AUTHOR.findall(page)) == 21
    assert "/people/author1/avatar/" in page


@pytest.mark.django_db
def test_the_message_partial_is_the_same_for_every_viewer(room, alice, bob):
    name(alice, "Alice Liddell", with_avatar=True)
    message = post(alice, room, "hello")

    for viewer in (alice, bob):
        html = login_client(viewer).get(f"/rooms/general/messages/{message.pk}/", HTTP_HX_REQUEST="true")
        assert html.status_code == 200
        assert AUTHOR.findall(html.content.decode()) == [("alice", "Alice Liddell")]


@pytest.mark.django_db(transaction=True)
async def test_a_pushed_message_carries_the_display_name_and_avatar(connect, room, alice, bob):
    await database_sync_to_async(name)(alice, "Alice Liddell", True)
    b = await connect("/ws/rooms/general/", bob)
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="pushed hello")

    frame = await b.receive_until("pushed hello")
    assert AUTHOR.findall(frame) == [("alice", "Alice Liddell")]
    assert '<img class="avatar message-avatar" src="/people/alice/avatar/' in frame


def render(source: str, **context) -> str:
    return Template("{% load people_tags %}" + source).render(Context(context))


def test_a_deleted_account_shows_as_deleted_user_with_a_grey_avatar():
    assert render("{{ who|display_name }}", who=None) == "Deleted user"
    assert avatar(None) == '<span class="avatar avatar-none " aria-hidden="true"></span>'


@pytest.mark.django_db
def test_someone_without_a_profile_shows_their_username_and_initials(make_user):
    user = make_user("mary-jane")

    assert render("{{ who|display_name }}", who=user) == "mary-jane"
    assert ">MJ</span>" in avatar(user)


@pytest.mark.django_db
def test_initials_come_from_the_display_name(alice):
    name(alice, "Lewis Carroll")
    alice.refresh_from_db()

    assert ">LC</span>" in avatar(alice)


@pytest.mark.django_db(transaction=True)
async def test_the_online_list_shows_display_names_and_links_by_username(connect, room, alice, bob):
    await database_sync_to_async(name)(bob, "Bob Builder")
    a = await connect("/ws/rooms/general/", alice)
    await connect("/ws/rooms/general/", bob)

    page = await database_sync_to_async(lambda: login_client(alice).get("/rooms/general/").content.decode())()
    assert ShownList(page).names == ["alice", "Bob Builder"]
    frame = await a.receive_until("Bob Builder")
    assert 'href="/people/bob/">Bob Builder</a>' in frame


@pytest.mark.django_db(transaction=True)
async def test_the_typing_line_shows_the_display_name(connect, room, alice, bob, settings):
    settings.CHAT_TYPING_WINDOW_MS = 10
    await database_sync_to_async(name)(alice, "Alice Liddell")
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(typing="1")

    lines = shown_lines(await b.receive_until('id="typing"'))
    assert lines["everyone"] == "Alice Liddell is typing…"


@pytest.mark.django_db
def test_search_results_mentions_and_conversations_show_display_names(room, alice, bob):
    name(alice, "Alice Liddell")
    post(alice, room, "findable words for @bob")
    client = login_client(bob)

    assert "<strong>Alice Liddell</strong>" in client.get("/search/", {"q": "findable"}).content.decode()
    assert "<strong>Alice Liddell</strong>" in client.get("/mentions/").content.decode()
    conversation = client.get("/dm/alice/").content.decode()
    assert '<span id="room-title">Alice Liddell</span>' in conversation
    assert 'href="/people/alice/">@alice</a>' in conversation
    post(bob, open_direct(bob, alice), "a direct message")
    listing = client.get("/dm/").content.decode()
    assert "Alice Liddell" in listing
    assert "@alice" in listing


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Carol ✨", "CA"),
        ("✨ Star Gazer", "SG"),
        ("mary-jane", "MJ"),
        ("j.r.r", "JR"),
        ("✨", "?"),
        ("x", "X"),
    ],
)
def test_initials_take_letters_and_skip_symbols(shown, expected):
    assert render("{{ shown|initials }}", shown=shown) == expected


@pytest.mark.django_db(transaction=True)
async def test_a_name_changed_in_another_tab_is_the_one_the_next_pushed_message_shows(connect, alice, room):
    await database_sync_to_async(Profile.objects.create)(user=alice, display_name="Alice Before")
    socket = await connect("/ws/rooms/general/", alice)
    await socket.send(body="before the rename")
    assert ">Alice Before</a>" in await socket.receive_until("before the rename")
    await database_sync_to_async(Profile.objects.filter(user=alice).update)(display_name="Alice Renamed")

    await socket.send(body="after the rename")

    frame = await socket.receive_until("after the rename")
    assert ">Alice Renamed</a>" in frame


def test_a_profile_is_found_whether_loaded_remembered_missing_or_not_loaded_at_all(
    alice, bob, django_assert_num_queries
):
    name(alice, "Alice")
    User = type(alice)
    loaded = User.objects.select_related("profile").get(pk=alice.pk)
    missing = User.objects.select_related("profile").get(pk=bob.pk)
    not_loaded = User.objects.get(pk=alice.pk)

    with django_assert_num_queries(0):
        assert names.display_name(loaded) == "Alice"
        assert names.display_name(missing) == "bob"
    with django_assert_num_queries(1):
        assert names.display_name(not_loaded) == "Alice"
        assert names.display_name(not_loaded) == "Alice"
