"""Group conversations (3 to 8 people) at /dm/<user>,<user>/: pages, New message form, actions, sockets."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import actions, sidebar
from messaging.models import Message
from realtime import groups
from rooms import actions as room_actions
from rooms import conversations, names
from rooms.models import Membership, Room
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dave(make_user):
    return make_user("dave")


def group_of(*users) -> Room:
    starter, *others = users
    return room_actions.open_group(starter, others)


def members_of(room: Room) -> set[str]:
    return set(room.memberships.values_list("user__username", flat=True))


# The address


def test_the_first_visit_shows_the_group_page_and_stores_nothing(alice, bob, carol):
    response = login_client(alice).get("/dm/bob,carol/")

    page = response.content.decode()
    assert response.status_code == 200
    slug = conversations.group_slug([alice.pk, bob.pk, carol.pk])
    ids = ".".join(str(pk) for pk in sorted([alice.pk, bob.pk, carol.pk]))
    assert f'hx-ws:connect="/ws/rooms/{slug}/?members={ids}"' in page
    assert '<span id="room-title">bob and carol</span>' in page
    assert "<title>bob and carol · Chat</title>" in page
    assert 'placeholder="Message bob and carol"' in page
    assert 'id="messages"' in page
    assert 'name="body"' in page
    assert not Room.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.parametrize("address", ["Carol,bob", "carol,BOB", "bob,,carol", "bob,carol,bob", "carol,%20bob"])
def test_any_order_case_or_repetition_redirects_to_the_one_canonical_address(alice, bob, carol, address):
    response = login_client(alice).get(f"/dm/{address}/")

    assert response.status_code == 302
    assert response["Location"] == "/dm/bob,carol/"


def test_the_redirect_keeps_the_query(alice, bob, carol):
    response = login_client(alice).get("/dm/carol,bob/?before=5")

    assert response["Location"] == "/dm/bob,carol/?before=5"


def test_naming_yourself_too_leaves_you_out_of_the_address(alice, bob, carol):
    client = login_client(alice)

    assert client.get("/dm/alice,bob,carol/")["Location"] == "/dm/bob,carol/"
    assert client.get("/dm/ALICE,bob/")["Location"] == "/dm/bob/"


def test_naming_only_yourself_is_a_clear_400(alice):
    response = login_client(alice).get("/dm/alice,alice/")

    assert response.status_code == 400
    assert "That is you" in response.content.decode()


@pytest.mark.parametrize("address", [",,,", ",", "%20,%20"])
def test_an_address_naming_nobody_is_a_clear_400(alice, address):
    response = login_client(alice).get(f"/dm/{address}/")

    assert response.status_code == 400
    assert "Name at least one person" in response.content.decode()


def test_unknown_names_are_named_and_answer_404(alice, bob):
    response = login_client(alice).get("/dm/bob,ghost,phantom/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "“ghost”" in page
    assert "“phantom”" in page
    assert "“bob”" not in page
    assert not Room.objects.exists()


def test_more_than_eight_people_is_a_400_before_looking_anyone_up(alice):
    client = login_client(alice)
    address = ",".join(f"user{n}" for n in range(8))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/dm/{address}/")

    assert response.status_code == 400
    assert "at most 8 people" in response.content.decode()
    assert not [query for query in queries.captured_queries if "user0" in query["sql"]]


def test_eight_people_is_allowed(alice, make_user):
    others = [make_user(f"user{n}") for n in range(7)]

    response = login_client(alice).get(f"/dm/{','.join(user.username for user in others)}/")

    assert response.status_code == 200
    assert "user0, user1 and 5 others" in response.content.decode()


def test_500_names_get_a_clear_400(alice):
    response = login_client(alice).get(f"/dm/{','.join(['bob'] * 500)}/")

    assert response.status_code == 400
    assert "too long" in response.content.decode()


@pytest.mark.parametrize(
    "bad", ["bo%00b", "bob%01", "bob%7F", "b%E2%80%AEob", "%ED%A0%80", "bob%3Cscript%3E"]
)
def test_control_characters_and_other_non_username_characters_get_a_clear_400(alice, bob, carol, bad):
    response = login_client(alice).get(f"/dm/carol,{bad}/")

    page = response.content.decode()
    assert response.status_code == 400
    assert "Not a username" in page
    assert "\x00" not in page
    assert "<script>" not in page


def test_a_closed_account_cannot_be_put_in_a_new_group(alice, bob, carol):
    get_user_model().objects.filter(pk=carol.pk).update(is_active=False)

    response = login_client(alice).get("/dm/bob,carol/")

    assert response.status_code == 400
    assert "closed" in response.content.decode()
    assert "“carol”" in response.content.decode()


def test_an_existing_group_stays_readable_when_a_member_closes_their_account(alice, bob, carol):
    room = group_of(alice, bob, carol)
    Message.objects.create(room=room, author=carol, body="my last words")
    get_user_model().objects.filter(pk=carol.pk).update(is_active=False)

    response = login_client(alice).get("/dm/bob,carol/")

    assert response.status_code == 200
    assert "my last words" in response.content.decode()


def test_the_first_no_script_post_stores_the_group_with_exactly_its_members(alice, bob, carol):
    response = login_client(alice).post("/dm/bob,carol/", {"body": "hi both"})

    message = Message.objects.get()
    assert response["Location"] == f"/dm/bob,carol/#message-{message.pk}"
    room = message.room
    assert room.kind == Room.Kind.DIRECT
    assert room.slug == conversations.group_slug([alice.pk, bob.pk, carol.pk])
    assert room.name == "alice, bob, carol"
    assert members_of(room) == {"alice", "bob", "carol"}
    assert "hi both" in login_client(carol).get("/dm/alice,bob/").content.decode()


def test_a_refused_first_post_stores_no_group(alice, bob, carol):
    response = login_client(alice).post("/dm/bob,carol/", {"body": "   "})

    assert response.status_code == 400
    assert not Room.objects.exists()


def test_every_member_reaches_the_same_group_from_their_own_address(alice, bob, carol):
    room = group_of(alice, bob, carol)
    Message.objects.create(room=room, author=alice, body="shared")

    for user, address in ((bob, "alice,carol"), (carol, "alice,bob")):
        page = login_client(user).get(f"/dm/{address}/").content.decode()
        assert "shared" in page
        assert f'hx-ws:connect="/ws/rooms/{room.slug}/"' in page


def test_a_different_set_of_people_is_a_different_conversation(alice, bob, carol, dave):
    trio = group_of(alice, bob, carol)
    quartet = group_of(alice, bob, carol, dave)
    one_to_one = room_actions.open_direct(alice, bob)

    assert len({trio.pk, quartet.pk, one_to_one.pk}) == 3
    assert group_of(carol, alice, bob).pk == trio.pk


def test_someone_outside_the_group_gets_a_404_like_for_a_missing_one(alice, bob, carol, dave):
    room = group_of(alice, bob, carol)
    Message.objects.create(room=room, author=alice, body="secret")
    client = login_client(dave)

    existing = client.get(f"/rooms/{room.slug}/")
    posted = client.post(f"/rooms/{room.slug}/", {"body": "let me in"})

    assert existing.status_code == posted.status_code == 404
    assert "secret" not in existing.content.decode()
    assert Message.objects.count() == 1


def test_a_member_removed_from_the_group_gets_a_404(alice, bob, carol):
    room = group_of(alice, bob, carol)
    Membership.objects.filter(room=room, user=alice).delete()

    assert login_client(alice).get("/dm/bob,carol/").status_code == 404


def test_a_member_following_the_room_address_lands_on_their_address(alice, bob, carol):
    room = group_of(alice, bob, carol)

    assert login_client(bob).get(f"/rooms/{room.slug}/")["Location"] == "/dm/alice,carol/"


# Slugs and names


def test_group_slugs_fit_and_never_collide_with_one_to_one_slugs():
    huge = [2**63 - n for n in range(1, 9)]

    slug = conversations.group_slug(huge)

    assert len(slug) <= names.SLUG_MAX_LENGTH
    assert slug.startswith("dm-g-")
    assert conversations.group_slug(reversed(huge)) == slug
    assert conversations.group_slug([1, 2, 3]) != conversations.group_slug([1, 2, 4])


def test_a_group_of_long_usernames_gets_a_name_within_the_limit(make_user):
    users = [make_user(letter * 150) for letter in "abc"]

    room = group_of(*users)

    room.refresh_from_db()
    assert len(room.name) == names.NAME_MAX_LENGTH


@pytest.mark.parametrize(
    ("others", "title"),
    [
        (["bob"], "bob"),
        (["bob", "carol"], "bob and carol"),
        (["bob", "carol", "dave"], "bob, carol and dave"),
        (["bob", "carol", "dave", "erin", "frank"], "bob, carol and 3 others"),
    ],
)
def test_a_conversation_is_titled_by_the_other_members(others, title):
    assert conversations.title(others) == title


def test_open_group_refuses_a_wrong_number_of_people(alice, bob, make_user):
    with pytest.raises(ValueError, match="3 to 8 different people"):
        room_actions.open_group(alice, [bob])
    with pytest.raises(ValueError, match="3 to 8 different people"):
        room_actions.open_group(alice, [make_user(f"u{n}") for n in range(8)])
    with pytest.raises(ValueError, match="3 to 8 different people"):
        room_actions.open_group(alice, [bob, bob])
    assert not Room.objects.exists()


# Lists and permalinks


def test_the_conversation_list_and_sidebar_name_the_others_with_unread_counts(alice, bob, carol, dave, room):
    group = group_of(alice, bob, carol, dave)
    Message.objects.create(room=group, author=alice, body="hello all")
    Message.objects.create(room=group, author=carol, body="hi alice")
    client = login_client(bob)

    listing = client.get("/dm/").content.decode()
    in_room = client.get("/rooms/general/").content.decode()

    assert (
        '<a class="stretched-link fw-semibold" href="/dm/alice,carol,dave/">alice, carol and dave</a>'
        in listing
    )
    assert "hi alice" in listing
    assert '2<span class="visually-hidden"> unread' in listing
    assert '<a href="/dm/alice,carol,dave/">alice, carol and dave</a>' in in_room
    assert [m.unread for m in sidebar.memberships(bob) if m.room_id == group.pk] == [2]  # type: ignore[attr-defined]
    assert [m.unread for m in sidebar.memberships(carol) if m.room_id == group.pk] == [1]  # type: ignore[attr-defined]


def test_a_group_message_has_a_permalink_at_each_members_address(alice, bob, carol):
    group = group_of(alice, bob, carol)
    message = Message.objects.create(room=group, author=alice, body="remember this")

    page = login_client(bob).get(f"/dm/alice,carol/messages/{message.pk}/")
    noncanonical = login_client(bob).get(f"/dm/Carol,alice/messages/{message.pk}/")
    by_room = login_client(carol).get(f"/rooms/{group.slug}/messages/{message.pk}/")

    assert page.status_code == 200
    assert "remember this" in page.content.decode()
    assert noncanonical["Location"] == f"/dm/alice,carol/messages/{message.pk}/"
    assert by_room["Location"] == f"/dm/alice,bob/messages/{message.pk}/#message-{message.pk}"


def test_another_groups_message_is_not_found_at_this_groups_permalink(alice, bob, carol, dave):
    mine = group_of(alice, bob, carol)
    other = group_of(alice, bob, dave)
    Message.objects.create(room=mine, author=alice, body="here")
    elsewhere = Message.objects.create(room=other, author=dave, body="not for carol")

    response = login_client(carol).get(f"/dm/alice,bob/messages/{elsewhere.pk}/")
    outsider = login_client(carol).get(f"/dm/alice,dave/messages/{elsewhere.pk}/")

    assert response.status_code == outsider.status_code == 404
    assert "not for carol" not in response.content.decode() + outsider.content.decode()


def test_search_links_a_group_message_to_the_readers_address(alice, bob, carol):
    group = group_of(alice, bob, carol)
    message = Message.objects.create(room=group, author=alice, body="findable phrase")

    page = login_client(bob).get("/search/", {"q": "findable"}).content.decode()

    assert f'href="/dm/alice,carol/messages/{message.pk}/#message-{message.pk}"' in page
    assert "alice and carol" in page


def test_the_one_to_one_page_names_only_the_partner_in_the_composer(alice, bob):
    page = login_client(alice).get("/dm/bob/").content.decode()

    assert 'placeholder="Message bob"' in page
    assert "alice &amp; bob" not in page


# The New message form


def test_the_new_message_form_leads_to_the_group(alice, bob, carol):
    response = login_client(alice).get("/dm/", {"to": "carol bob"})

    assert response["Location"] == "/dm/bob,carol/"
    assert not Room.objects.exists()


def test_the_new_message_form_takes_checked_people_and_typed_names_together(alice, bob, carol, dave):
    room_actions.open_direct(alice, dave)
    page = login_client(alice).get("/dm/").content.decode()
    assert 'type="checkbox" name="to" value="dave"' in page

    response = login_client(alice).get("/dm/?to=bob,+carol&to=dave")

    assert response["Location"] == "/dm/bob,carol,dave/"


def test_duplicates_collapse_before_people_are_counted(alice, bob, carol):
    response = login_client(alice).get("/dm/", {"to": "bob " * 9 + "BOB carol alice alice"})

    assert response["Location"] == "/dm/bob,carol/"


def test_the_new_message_form_with_one_person_leads_to_the_one_to_one_conversation(alice, bob):
    assert login_client(alice).get("/dm/", {"to": " Bob, bob "})["Location"] == "/dm/bob/"


@pytest.mark.parametrize(
    ("to", "error"),
    [
        ("", "Name at least one person"),
        (" , ,", "Name at least one person"),
        ("alice", "That is you"),
        ("bob ghost", "Nobody here is called “ghost”"),
        ("bob carol dave erin frank gina hal ivan", "at most 8 people"),
        ("bob\x00", "Not a username: “bobU+0000”"),
        ("bob\u202e", "Not a username: “bobU+202E”"),
        ("x" * 2000, "too long"),
    ],
)
def test_the_new_message_form_explains_what_is_wrong_on_one_page(alice, bob, carol, to, error):
    response = login_client(alice).get("/dm/", {"to": to})

    page = response.content.decode()
    assert response.status_code == 400
    assert error in page
    assert 'id="new-message-errors"' in page
    assert not Room.objects.exists()


def test_the_new_message_form_refuses_a_closed_account(alice, bob, carol):
    get_user_model().objects.filter(pk=carol.pk).update(is_active=False)

    response = login_client(alice).get("/dm/", {"to": "bob carol"})

    assert response.status_code == 400
    assert "closed" in response.content.decode()


# Sockets


async def test_the_first_socket_of_a_member_stores_the_group(connect, alice, bob, carol):
    ids = sorted([alice.pk, bob.pk, carol.pk])
    slug = conversations.group_slug(ids)

    await connect(f"/ws/rooms/{slug}/?members={'.'.join(map(str, ids))}", bob)

    room = await database_sync_to_async(Room.objects.get)(slug=slug)
    assert room.kind == Room.Kind.DIRECT
    assert await database_sync_to_async(members_of)(room) == {"alice", "bob", "carol"}


@pytest.mark.parametrize("shape", ["outsider", "wrong-hash", "no-members", "closed-account"])
async def test_a_socket_that_may_not_store_the_group_gets_4404_and_stores_nothing(
    connect, alice, bob, carol, dave, shape
):
    ids = sorted([alice.pk, bob.pk, carol.pk])
    slug = conversations.group_slug(ids)
    members = ".".join(map(str, ids))
    user, path = {
        "outsider": (dave, f"/ws/rooms/{slug}/?members={members}"),
        "wrong-hash": (alice, f"/ws/rooms/{conversations.group_slug([1, 2, 3])}/?members={members}"),
        "no-members": (alice, f"/ws/rooms/{slug}/"),
        "closed-account": (alice, f"/ws/rooms/{slug}/?members={members}"),
    }[shape]
    if shape == "closed-account":
        await database_sync_to_async(get_user_model().objects.filter(pk=carol.pk).update)(is_active=False)

    socket = await connect(path, user, wait_live=False)

    assert await socket.close_code() == 4404
    assert not await database_sync_to_async(Room.objects.exists)()


async def test_a_non_member_cannot_tell_an_existing_group_from_a_missing_one(
    connect, alice, bob, carol, dave
):
    room = await database_sync_to_async(group_of)(alice, bob, carol)
    missing = conversations.group_slug([alice.pk, bob.pk, dave.pk])

    existing = await connect(f"/ws/rooms/{room.slug}/", dave, wait_live=False)
    absent = await connect(f"/ws/rooms/{missing}/", dave, wait_live=False)

    assert await existing.close_code() == await absent.close_code() == 4404


async def test_a_message_reaches_every_members_socket(connect, alice, bob, carol):
    room = await database_sync_to_async(group_of)(alice, bob, carol)
    sockets = [await connect(f"/ws/rooms/{room.slug}/", user) for user in (alice, bob, carol)]

    await sockets[0].send(body="hello everyone")

    for socket in sockets:
        frame = await socket.receive_until("hello everyone")
        assert f'data-author="{alice.pk}"' in frame


async def test_a_new_group_appears_live_in_every_other_members_sidebar_and_counts_unread(
    connect, room, alice, bob, carol, dave
):
    elsewhere = {
        user.username: await connect("/ws/rooms/general/", user) for user in (alice, bob, carol, dave)
    }

    group = await database_sync_to_async(group_of)(alice, bob, carol)

    added_bob = await elsewhere["bob"].receive_until('id="direct-list"')
    added_carol = await elsewhere["carol"].receive_until('id="direct-list"')
    assert '<a href="/dm/alice,carol/">alice and carol</a>' in added_bob
    assert '<a href="/dm/alice,bob/">alice and bob</a>' in added_carol
    assert f'id="unread-{group.pk}"' in added_bob

    await database_sync_to_async(actions.post_message)(alice, group, "first words")

    for name in ("bob", "carol"):
        badge = await elsewhere[name].receive_until("<i data-author")
        assert f'id="unread-{group.pk}"' in badge
    await all_sent(groups.room(room.pk), elsewhere["dave"], elsewhere["alice"])
    assert elsewhere["dave"].heard_about('id="direct-list"', f"unread-{group.pk}") == []
    # The starter's other pages list the group too, named by the others; her own message counts nothing there.
    [added_alice] = elsewhere["alice"].heard_about('id="direct-list"')
    assert '<a href="/dm/bob,carol/">bob and carol</a>' in added_alice


async def test_a_refused_post_gives_back_the_composer_named_for_its_sender(connect, alice, bob, carol):
    room = await database_sync_to_async(group_of)(alice, bob, carol)
    socket = await connect(f"/ws/rooms/{room.slug}/", carol)

    await socket.send(body="   ")

    frame = await socket.receive_until('id="composer-fields"')
    assert 'placeholder="Message alice and bob"' in frame


def test_thousands_of_to_fields_are_a_400(alice):
    response = login_client(alice).get("/dm/?" + "to=bob&" * 2000)

    assert response.status_code == 400
    assert not Room.objects.exists()


def test_a_groups_older_history_page_is_named_by_the_other_members(alice, bob, carol, settings):
    settings.CHAT_HISTORY_LENGTH = 2
    group = group_of(alice, bob, carol)
    first, *_ = [Message.objects.create(room=group, author=bob, body=f"number {n}") for n in range(4)]

    page = login_client(alice).get(f"/dm/bob,carol/?before={first.pk + 2}").content.decode()

    assert "bob and carol: older messages" in page
    assert "number 0" in page
    assert "number 3" not in page


def test_a_group_whose_member_deleted_their_account_stays_readable_at_its_room_address(
    alice, bob, carol, dave
):
    room = group_of(alice, bob, carol, dave)
    actions.post_message(alice, room, "before dave left")
    dave.delete()
    client = login_client(alice)

    page = client.get(f"/rooms/{room.slug}/")

    # Its address was made from four people: the list links it by its room address instead.
    assert f'href="/rooms/{room.slug}/"' in client.get("/dm/").content.decode()
    assert page.status_code == 200
    assert "before dave left" in page.content.decode()
    # bob and carol alone are another conversation (not stored yet), not this one.
    assert "before dave left" not in client.get("/dm/bob,carol/").content.decode()
