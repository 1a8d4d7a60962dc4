"""Staff ban: the account is deactivated, every session ends, every socket closes 4401, and it is audited."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied

from messaging.models import Message
from people import actions
from people.models import AuditEntry
from tests.conftest import login_client


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_staff_ban_after_ticking_the_confirmation_box(staff, bob):
    client = login_client(staff)

    page = client.get("/people/bob/ban/")
    assert page.status_code == 200
    assert 'name="confirm"' in page.content.decode()
    unconfirmed = client.post("/people/bob/ban/")
    assert unconfirmed.status_code == 400
    assert fresh(bob).is_active

    response = client.post("/people/bob/ban/", {"confirm": "on"})

    assert response.status_code == 302
    assert not fresh(bob).is_active
    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.target) == (staff, AuditEntry.Action.BAN, fresh(bob))


@pytest.mark.django_db
def test_unban_reactivates_and_is_audited(staff, bob):
    client = login_client(staff)
    client.post("/people/bob/ban/", {"confirm": "on"})

    client.post("/people/bob/unban/", {"confirm": "on"})

    assert fresh(bob).is_active
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == ["ban", "unban"]


@pytest.mark.django_db
def test_banning_twice_is_one_change_and_one_audit_entry(staff, bob):
    actions.ban(staff, bob)
    actions.ban(staff, bob)

    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_people_who_are_not_staff_get_403_and_see_no_ban_button(alice, bob):
    client = login_client(alice)

    assert client.get("/people/bob/ban/").status_code == 403
    assert client.post("/people/bob/ban/", {"confirm": "on"}).status_code == 403
    assert client.post("/people/bob/unban/", {"confirm": "on"}).status_code == 403
    assert "/people/bob/ban/" not in client.get("/people/bob/").content.decode()
    assert fresh(bob).is_active
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_staff_see_ban_on_a_profile_and_unban_on_a_banned_one(staff, bob):
    client = login_client(staff)

    assert 'href="/people/bob/ban/">Ban</a>' in client.get("/people/bob/").content.decode()
    actions.ban(staff, bob)
    page = client.get("/people/bob/").content.decode()
    assert 'href="/people/bob/unban/">Unban</a>' in page
    assert 'id="banned-mark">Banned</p>' in page


@pytest.mark.django_db
def test_staff_cannot_ban_themselves(staff):
    client = login_client(staff)

    assert client.post("/people/sam/ban/", {"confirm": "on"}).status_code == 403
    assert "/people/sam/ban/" not in client.get("/people/sam/").content.decode()
    assert fresh(staff).is_active


@pytest.mark.django_db
def test_only_a_superuser_can_ban_a_superuser(staff, make_user):
    boss = get_user_model().objects.create_superuser("boss", password="x" * 20)
    other_boss = get_user_model().objects.create_superuser("chief", password="x" * 20)

    assert login_client(staff).post("/people/boss/ban/", {"confirm": "on"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.ban(staff, boss)
    assert fresh(boss).is_active
    assert login_client(other_boss).post("/people/boss/ban/", {"confirm": "on"}).status_code == 302
    assert not fresh(boss).is_active


@pytest.mark.django_db
def test_banning_an_unknown_person_is_a_404(staff):
    assert login_client(staff).post("/people/nobody/ban/", {"confirm": "on"}).status_code == 404


@pytest.mark.django_db
def test_a_banned_persons_session_no_longer_works(staff, bob, room):
    client = login_client(bob)
    assert client.get("/rooms/").status_code == 200

    actions.ban(staff, bob)

    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(bob.pk)]
    response = client.get("/rooms/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_banned_people_are_hidden_from_the_list_except_for_staff(staff, alice, bob):
    actions.ban(staff, bob)

    assert "/people/bob/" not in login_client(alice).get("/people/").content.decode()
    assert "/people/bob/" not in login_client(alice).get("/people/", {"q": "bob"}).content.decode()
    staff_view = login_client(staff).get("/people/").content.decode()
    assert "/people/bob/" in staff_view
    assert "Banned" in staff_view
    # Their own page still exists (their messages link to it), without the word to non-staff.
    assert "Banned" not in login_client(alice).get("/people/bob/").content.decode()


@pytest.mark.django_db(transaction=True)
async def test_a_banned_users_open_sockets_close_with_4401(connect, room, staff, alice, bob):
    in_room = await connect("/ws/rooms/general/", bob)
    lobby = await connect("/ws/lobby/", bob)
    other = await connect("/ws/rooms/general/", alice)

    await database_sync_to_async(actions.ban)(staff, bob)

    assert await in_room.close_code() == 4401
    assert await lobby.close_code() == 4401
    await other.send(body="alice is still here")
    await other.receive_until("alice is still here")


def test_a_banned_persons_profile_and_a_new_conversation_with_them_are_gone_for_everyone_but_staff(
    staff, alice, bob
):
    actions.ban(staff, bob)

    assert login_client(alice).get("/people/bob/").status_code == 404
    assert login_client(staff).get("/people/bob/").status_code == 200
    response = login_client(alice).post("/dm/bob/", {"body": "hello?"})
    assert response.status_code == 404
    assert not Message.objects.filter(body="hello?").exists()
