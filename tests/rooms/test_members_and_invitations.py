from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from messaging.models import Message
from people.models import AuditEntry
from realtime import close_codes
from rooms import actions, invitations
from rooms.models import Invitation, Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def private_room(owner, *members) -> Room:
    room = actions.create_room(owner, "Plans", kind=Room.Kind.PRIVATE)
    for member in members:
        Membership.objects.create(room=room, user=member)
    return room


def test_an_admin_adds_a_member_by_username_and_the_members_panel_lists_them(alice, bob):
    private_room(alice)
    client = login_client(alice)

    response = client.post("/rooms/plans/members/", {"username": "@bob"})

    assert response.status_code == 302
    page = client.get("/rooms/plans/members/").content.decode()
    assert 'id="member-alice"' in page
    assert 'id="member-bob"' in page
    assert login_client(bob).get("/rooms/plans/").status_code == 200


@pytest.mark.parametrize("username", ["nobody", "", "x" * 151, "bob\x00", "<b>bob</b>"])
def test_adding_someone_unknown_or_malformed_is_a_form_error_and_adds_nobody(alice, bob, username):
    room = private_room(alice)

    response = login_client(alice).post("/rooms/plans/members/", {"username": username})

    assert response.status_code == 400
    assert list(room.memberships.values_list("user__username", flat=True)) == ["alice"]


def test_a_member_who_is_not_an_admin_cannot_add_remove_or_invite(alice, bob, carol):
    room = private_room(alice, bob)
    client = login_client(bob)

    assert client.post("/rooms/plans/members/", {"username": "carol"}).status_code == 403
    assert client.post("/rooms/plans/members/alice/remove/").status_code == 403
    assert client.post("/rooms/plans/invitations/", {"days": 7}).status_code == 403
    assert room.memberships.count() == 2
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_removing_a_member_closes_their_sockets_there_at_once_and_is_audited(connect, alice, bob):
    room = await database_sync_to_async(private_room)(alice, bob)
    a = await connect("/ws/rooms/plans/", alice)
    b = await connect("/ws/rooms/plans/", bob)

    response = await database_sync_to_async(
        lambda: login_client(alice).post("/rooms/plans/members/bob/remove/")
    )()

    assert response.status_code == 302
    assert await b.close_code() == close_codes.FORBIDDEN
    assert not await database_sync_to_async(room.is_member)(bob)
    entry = await database_sync_to_async(AuditEntry.objects.get)()
    assert (entry.actor_name, entry.action, entry.target_name) == ("alice", "remove_member", "bob")
    await a.send(body="still here")
    await a.receive_until("still here")


def test_an_invitation_link_lets_someone_join_and_counts_a_use(alice, bob):
    room = private_room(alice)
    invitation = invitations.create(alice, room)
    client = login_client(bob)
    link = f"/invite/{invitation.token}/"

    shown = client.get(link)
    assert shown.status_code == 200
    assert "Join #Plans?" in shown.content.decode()
    assert not room.is_member(bob)  # a GET writes nothing

    joined = client.post(link)

    invitation.refresh_from_db()
    assert joined.status_code == 302
    assert joined["Location"] == "/rooms/plans/"
    assert room.is_member(bob)
    assert invitation.uses == 1
    client.post(link)  # already in: no second use
    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_a_new_invitation_expires_after_seven_days_by_default(alice):
    invitation = invitations.create(alice, private_room(alice))

    left = invitation.expires_at - timezone.now()
    assert timedelta(days=6, hours=23) < left <= timedelta(days=7)


def dead_links(alice, room) -> dict[str, str]:
    expired = invitations.create(alice, room)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = invitations.create(alice, room)
    invitations.revoke(alice, revoked)
    used_up = invitations.create(alice, room, max_uses=1)
    Invitation.objects.filter(pk=used_up.pk).update(uses=1)
    return {
        "guessed": "A" * 43,
        "short": "abc",
        "expired": expired.token,
        "revoked": revoked.token,
        "used up": used_up.token,
        "huge": "x" * 5000,
        "control": "%00%01",
    }


def test_every_dead_link_gets_the_same_page_which_names_no_room(alice, bob):
    room = private_room(alice)
    client = login_client(bob)
    pages = set()

    for token in dead_links(alice, room).values():
        for method in (client.get, client.post):
            response = method(f"/invite/{token}/")
            assert response.status_code == 404
            assert "Plans" not in response.content.decode()
            pages.add(response.content.decode().split('<main id="main"')[1].split("</main>")[0])

    assert len(pages) == 1
    assert not room.is_member(bob)


def test_the_last_use_of_a_link_goes_to_one_person_only(alice, bob, carol):
    room = private_room(alice)
    invitation = invitations.create(alice, room, max_uses=1)

    first = invitations.accept(bob, invitation.token)
    second = invitations.accept(carol, invitation.token)

    assert first == room
    assert second is None
    assert room.is_member(bob)
    assert not room.is_member(carol)


def test_an_invitation_made_for_an_open_room_or_with_silly_limits_is_refused(alice, room):
    from rooms.errors import RoomRefused

    room.created_by = alice
    room.save()
    with pytest.raises(RoomRefused):
        invitations.create(alice, room)
    plans = private_room(alice)
    for days, uses in [(0, None), (91, None), (7, 0), (7, 10_001)]:
        with pytest.raises(RoomRefused):
            invitations.create(alice, plans, days, uses)


def test_the_admin_makes_and_revokes_links_on_the_members_page(alice, bob):
    private_room(alice)
    client = login_client(alice)

    made = client.post("/rooms/plans/invitations/", {"days": "3", "max_uses": "5"})
    invitation = Invitation.objects.get()
    page = client.get("/rooms/plans/members/").content.decode()
    revoked = client.post(f"/rooms/plans/invitations/{invitation.pk}/revoke/")

    assert made.status_code == 302
    assert f"/invite/{invitation.token}/" in page
    assert revoked.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert login_client(bob).post(f"/invite/{invitation.token}/").status_code == 404
    assert client.post("/rooms/plans/invitations/", {"days": "-1"}).status_code == 400
    assert client.post("/rooms/plans/invitations/", {"days": "x"}).status_code == 400


@pytest.mark.django_db(transaction=True)
async def test_joining_by_link_adds_the_room_to_the_sidebar_of_the_joiners_open_pages(
    connect, alice, bob, room
):
    plans = await database_sync_to_async(private_room)(alice)
    invitation = await database_sync_to_async(invitations.create)(alice, plans)
    b = await connect("/ws/rooms/general/", bob)

    await database_sync_to_async(invitations.accept)(bob, invitation.token)

    frame = await b.receive_until('id="room-sidebar-list"')
    assert 'href="/rooms/plans/"' in frame
    assert f'id="unread-{plans.pk}"' in frame


def test_private_rooms_are_hidden_from_everyone_else_in_the_selector_and_search(alice, bob):
    room = private_room(alice)
    Message.objects.create(room=room, author=alice, body="quarterly secret")
    client = login_client(bob)

    assert "Plans" not in client.get("/rooms/").content.decode()
    assert 'id="result-' not in client.get("/search/", {"q": "quarterly"}).content.decode()
    assert client.get("/rooms/plans/").status_code == 404


def test_a_link_read_as_usable_just_before_its_last_use_went_lets_nobody_else_in(
    alice, bob, carol, monkeypatch
):
    room = private_room(alice)
    invitation = invitations.create(alice, room, max_uses=1)
    read_before_the_race = invitations.find(invitation.token)
    invitations.accept(bob, invitation.token)
    monkeypatch.setattr(invitations, "find", lambda token: read_before_the_race)

    assert invitations.accept(carol, invitation.token) is None
    assert not room.is_member(carol)
    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_the_same_person_joining_twice_at_once_spends_one_use_and_gets_no_error(alice, bob, monkeypatch):
    room = private_room(alice)
    invitation = invitations.create(alice, room, max_uses=2)
    real_filter = Membership.objects.filter

    # As if their other request had checked membership a moment before this one joined.
    monkeypatch.setattr(Membership.objects, "filter", lambda **kwargs: real_filter(pk=-1))
    Membership.objects.create(room=room, user=bob)

    assert invitations.accept(bob, invitation.token) == room
    invitation.refresh_from_db()
    assert invitation.uses == 0


@pytest.mark.parametrize(
    "path", ["/invite/%00" + "a" * 40 + "/", "/people/bob%00/", "/dm/bob%00/", "/people/bob%00/avatar/1/"]
)
def test_nul_and_odd_characters_in_addresses_are_a_plain_404(alice, bob, path):
    assert login_client(alice).get(path).status_code == 404
