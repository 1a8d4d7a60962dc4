"""One rule for room names, enforced by the form, the admin, the model and the database."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from rooms.forms import OpenRoomForm
from rooms.models import Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db

REFUSED = [
    pytest.param("a\x00b", id="NUL"),
    pytest.param("tab\there", id="tab"),
    pytest.param("new\nline", id="newline"),
    pytest.param("esc\x1b[31m", id="escape"),
    pytest.param("c1\x85c1", id="C1 control"),
    pytest.param("evil\u202egnp.exe", id="right-to-left override"),
    pytest.param("iso\u2066late", id="bidi isolate"),
    pytest.param("mark\u200fed", id="right-to-left mark"),
    pytest.param("zero\u200bwidth", id="zero-width space"),
    pytest.param("bom\ufeff", id="byte order mark"),
    pytest.param("line\u2028sep", id="line separator"),
    pytest.param("private\ue000use", id="private use"),
    pytest.param("non\uffffchar", id="non-character"),
    pytest.param("lone\ud800", id="lone surrogate"),
]
ACCEPTED = [
    pytest.param("Team Lunch", id="plain"),
    pytest.param("x" * 80, id="80 characters"),
    pytest.param("Café Ünïcode", id="accents"),
    pytest.param("日本 team", id="other scripts"),
    pytest.param("family 👨\u200d👩\u200d👧", id="emoji joined by ZWJ"),
    pytest.param("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 2", id="zero-width non-joiner (Persian)"),
]


@pytest.mark.parametrize("name", REFUSED)
def test_the_form_refuses_control_and_invisible_characters(name):
    form = OpenRoomForm({"name": name})

    assert not form.is_valid()
    assert "name" in form.errors


@pytest.mark.parametrize("name", ACCEPTED)
def test_the_form_accepts_ordinary_names(name):
    assert OpenRoomForm({"name": name}).is_valid()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("x" * 81, "at most 80"),
        ("   ", "required"),
        ("!!!", "at least one letter"),
        ("dm-1-2", "reserved"),
        ("DM 3 4", "reserved"),
    ],
)
def test_the_form_refuses_bad_lengths_and_shapes(name, error):
    form = OpenRoomForm({"name": name})

    assert not form.is_valid()
    assert error in str(form.errors)


@pytest.mark.parametrize("name", [*REFUSED, pytest.param("x" * 81, id="81 characters")])
def test_the_model_refuses_the_same_names(name):
    with pytest.raises(ValidationError) as refused:
        Room(name=name, slug="fine").full_clean()

    assert "name" in refused.value.message_dict


def test_the_model_keeps_dm_addresses_for_conversations():
    with pytest.raises(ValidationError) as refused:
        Room(name="fine", slug="DM-1-2", kind=Room.Kind.OPEN).full_clean()
    assert "slug" in refused.value.message_dict

    Room(name="alice & bob", slug="dm-1-2", kind=Room.Kind.DIRECT).full_clean()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"name": "x" * 81, "slug": "long"}, id="81-character name"),
        pytest.param({"name": "x" * 16_000, "slug": "huge"}, id="16,000-character name"),
        pytest.param({"name": "", "slug": "empty"}, id="empty name"),
        pytest.param({"name": "fine", "slug": "s" * 81}, id="81-character slug"),
        pytest.param({"name": "fine", "slug": ""}, id="empty slug"),
        pytest.param({"name": "fine", "slug": "dm-1-2"}, id="open room with a dm- slug"),
        pytest.param(
            {"name": "fine", "slug": "Dm-1-2", "kind": "private"}, id="private room with a Dm- slug"
        ),
    ],
)
def test_the_database_refuses_what_sqlite_would_otherwise_store(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(**fields)


def test_the_database_stores_80_characters_and_conversation_slugs():
    Room.objects.create(name="x" * 80, slug="s" * 80)
    Room.objects.create(name="alice & bob", slug="dm-1-2", kind=Room.Kind.DIRECT)


@pytest.fixture
def admin_client() -> Client:
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123")
    return login_client(admin)


def admin_form(**fields: str) -> dict[str, str]:
    return {
        "name": "fine",
        "slug": "fine",
        "kind": "open",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"name": "x" * 81}, id="too long"),
        pytest.param({"name": "evil\u202eoverride"}, id="bidi override"),
        pytest.param({"name": "bell\x07"}, id="control character"),
        pytest.param({"name": "dm 1 2"}, id="name in the dm- shape"),
        pytest.param({"slug": "dm-1-2"}, id="dm- slug"),
    ],
)
def test_the_admin_refuses_the_same_names(admin_client, fields):
    response = admin_client.post("/admin/rooms/room/add/", admin_form(**fields))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Room.objects.exists()


def test_the_admin_accepts_a_good_room(admin_client):
    response = admin_client.post("/admin/rooms/room/add/", admin_form(name="Town Square", slug="town-square"))

    assert response.status_code == 302
    assert Room.objects.get().name == "Town Square"


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_rows_that_break_the_rule_before_constraining_them():
    executor = MigrationExecutor(connection)
    before = [("rooms", "0001_initial")]
    executor.migrate(before)
    old_room = executor.loader.project_state(before).apps.get_model("rooms", "Room")
    old_room.objects.create(name="y" * 16_000, slug="y" * 16_000)
    old_room.objects.create(name=" \u202eevil\x07 name ", slug="evil")
    old_room.objects.create(name="DM-1-2", slug="DM-1-2")
    old_room.objects.create(name="dm-1-2 lookalike", slug="dm-1-2-lookalike", kind="private")
    old_room.objects.create(name="room-dm-1-2", slug="room-dm-1-2")
    old_room.objects.create(name="alice & bob", slug="dm-1-2", kind="direct")
    old_room.objects.create(name="\x00\x01", slug="blank")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rooms = {room.pk: room for room in Room.objects.all()}
    for room in rooms.values():
        room.full_clean()
    by_name = {room.name: room.slug for room in rooms.values()}
    assert by_name["y" * 80] == "y" * 80
    assert by_name["evil name"] == "evil"
    assert by_name["room DM-1-2"] == "room-dm-1-2-2"
    assert by_name["room dm-1-2 lookalike"] == "room-dm-1-2-lookalike"
    assert by_name["room-dm-1-2"] == "room-dm-1-2"
    assert by_name["alice & bob"] == "dm-1-2"
    assert by_name["blank"] == "blank"
