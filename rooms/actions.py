"""Every write of rooms and memberships: check, write in a transaction, broadcast on commit."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, models, transaction

from people import audit
from people.models import AuditEntry
from rooms import broadcasts, conversations, names
from rooms.errors import NotRoomAdmin, RoomRefused
from rooms.models import Membership, Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Concurrent creations of the same name each retry with the next free address; this bounds the retries.
CREATE_ATTEMPTS = 5


def same_address_family(base: str) -> models.Q:
    """`base` itself and `base-2`, `base-3`, …: the addresses a room named `base` may have been given."""
    return models.Q(slug=base) | models.Q(slug__regex=rf"^{re.escape(base)}-[0-9]+$")


def visible_room_for(user: User, base: str) -> Room | None:
    """The room the user means by a name with slug `base`: the one at that address if they can read it,
    else the oldest readable one that got a numbered address because the plain one was taken."""
    rooms = list(Room.objects.listed().visible_to(user).filter(same_address_family(base)).order_by("pk"))
    exact = next((room for room in rooms if room.slug == base), None)
    return exact or next((room for room in rooms if names.slug_for(room.name) == base), None)


def free_slug(base: str) -> str:
    """The first free one of `base`, `base-2`, `base-3`, …"""
    taken = set(Room.objects.filter(same_address_family(base)).values_list("slug", flat=True))
    for number in itertools.count(1):
        suffix = "" if number == 1 else f"-{number}"
        slug = base[: names.SLUG_MAX_LENGTH - len(suffix)].rstrip("-_") + suffix
        if slug in taken:
            continue
        # A base cut short to fit its suffix falls outside `taken`: ask about that address itself.
        if len(slug) == len(base) + len(suffix) or not Room.objects.filter(slug=slug).exists():
            return slug
    raise AssertionError("unreachable")


WELCOME_ROOM = "general"


def welcome_room() -> Room | None:
    """#general, where new accounts land: made the first time someone needs it (a new install has no room,
    or its admins deleted it). None if they made it private or archived it: people then land on the rooms."""
    room = Room.objects.filter(slug=WELCOME_ROOM).first()
    if room is None:
        with transaction.atomic():
            room, _ = Room.objects.get_or_create(
                slug=WELCOME_ROOM, defaults={"name": WELCOME_ROOM, "topic": "Everyone's room: say hello."}
            )
    return room if room.kind == Room.Kind.OPEN and not room.is_archived else None


def may_create_rooms(user: User) -> bool:
    """CHAT_ROOM_CREATORS: "everyone" (the default) or "staff" (Campfire's switch)."""
    return user.is_active and (settings.CHAT_ROOM_CREATORS != "staff" or user.is_staff)


def check_may_create(user: User) -> None:
    if not may_create_rooms(user):
        raise NotRoomAdmin("Only staff can create rooms here.")


def open_room(user: User, name: str) -> Room:
    """The room selector's "existing opens, new creates": `name` has passed OpenRoomForm. A room the user
    cannot read never blocks the name nor shows through: they get a new open room at another address."""
    base = names.slug_for(name)
    room = visible_room_for(user, base)
    if room is not None:
        return room
    return create_room(user, name)


def create_room(user: User, name: str, topic: str = "", kind: str = Room.Kind.OPEN) -> Room:
    """A new open or private room (name and topic have passed the forms); its creator is its first member
    and one of its admins. A name the user can already see is refused; one they cannot see is not revealed."""
    check_may_create(user)
    if kind not in (Room.Kind.OPEN, Room.Kind.PRIVATE):
        raise RoomRefused("A room is open or private.")
    base = names.slug_for(name)
    for _ in range(CREATE_ATTEMPTS):
        existing = visible_room_for(user, base)
        if existing is not None:
            raise RoomRefused(f"There is already a room named #{existing.name}.")
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    name=name, topic=topic, kind=kind, slug=free_slug(base), created_by=user
                )
                Membership.objects.create(room=room, user=user)
                return room
        except IntegrityError:
            continue  # someone took that address meanwhile: look again
    raise IntegrityError(f"no free address for a room named {name!r}")


def check_admin(user: User, room: Room) -> None:
    if room.kind == Room.Kind.DIRECT or not room.is_admin(user):
        raise NotRoomAdmin("Only the room's admins can do that.")


def change_settings(
    user: User, room: Room, *, name: str, topic: str, kind: str, locked: bool, archived: bool
) -> Room:
    """Rename (the address stays, so links keep working), topic, open/private, locked, archived."""
    check_admin(user, room)
    if kind not in (Room.Kind.OPEN, Room.Kind.PRIVATE):
        raise RoomRefused("A room is open or private.")
    if (room.name, room.topic, room.kind, room.is_locked, room.is_archived) == (
        name,
        topic,
        kind,
        locked,
        archived,
    ):
        return room
    with transaction.atomic():
        room.name, room.topic, room.kind = name, topic, kind
        room.is_locked, room.is_archived = locked, archived
        room.save(update_fields=["name", "topic", "kind", "is_locked", "is_archived"])
        if kind == Room.Kind.PRIVATE:
            # Whoever makes a room private stays in it (a staff admin need not have been a member).
            Membership.objects.get_or_create(room=room, user=user)
        room_updated(room)
    return room


def join_room(user: User, room: Room) -> Membership | None:
    """A person who posts in (or opens the socket of) an open room becomes a member: the room joins their
    sidebar and unread counts. Private rooms and conversations are joined by invitation only: None."""
    if room.kind != Room.Kind.OPEN or room.pk is None:
        return None
    membership, _ = Membership.objects.get_or_create(room=room, user=user)
    return membership


def set_room_locked(room: Room, locked: bool) -> Room:
    with transaction.atomic():
        room.is_locked = locked
        room.save(update_fields=["is_locked"])
        room_updated(room)
    return room


def room_updated(room: Room) -> None:
    """Name or lock changed (admin form or action): tell everyone in the room once it is committed."""
    transaction.on_commit(lambda: broadcasts.room_changed(room), robust=True)


def delete_room_as(user: User, room: Room) -> None:
    check_admin(user, room)
    delete_room(room)


def delete_room(room: Room) -> None:
    room_id = room.pk
    with transaction.atomic():
        room.delete()
        transaction.on_commit(lambda: broadcasts.room_deleted(room_id), robust=True)


def open_direct(user: User, other: User) -> Room:
    """The one conversation between two people, created with both as its only members by its first message
    or its first socket (never by a page view)."""
    with transaction.atomic():
        low, high = sorted([user, other], key=lambda u: u.pk)
        room, created = Room.objects.get_or_create(
            slug=Room.direct_slug(user, other),
            defaults={"name": Room.direct_name(user, other), "kind": Room.Kind.DIRECT},
        )
        if created:
            Membership.objects.bulk_create(
                [Membership(room=room, user=low), Membership(room=room, user=high)]
            )
            transaction.on_commit(lambda: broadcasts.direct_opened(room, user, other), robust=True)
    return room


def add_member(user: User, room: Room, person: User) -> Membership:
    """A room admin adds someone by username: the room appears in their sidebar at once."""
    check_admin(user, room)
    if not person.is_active:
        raise RoomRefused(f"{person.get_username()} cannot be added: their account is deactivated.")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(room=room, user=person)
        if created:
            transaction.on_commit(lambda: broadcasts.room_joined(room, person), robust=True)
    return membership


def remove_member_as(user: User, room: Room, person: User) -> None:
    check_admin(user, room)
    if person.pk == user.pk:
        raise RoomRefused("To leave the room yourself, use Leave.")
    membership = Membership.objects.filter(room=room, user=person).first()
    if membership is None:
        raise RoomRefused(f"{person.get_username()} is not a member.")
    with transaction.atomic():
        remove_member(membership)
        audit.record(user, AuditEntry.Action.REMOVE_MEMBER, person, f"#{room.name}")


def leave(user: User, room: Room) -> None:
    """A member leaves: the room leaves their sidebar; a private one is closed to them until invited again."""
    if room.kind == Room.Kind.DIRECT:
        raise RoomRefused("A conversation cannot be left.")
    membership = Membership.objects.filter(room=room, user=user).first()
    if membership is not None:
        remove_member(membership)


def set_notify(user: User, room: Room, level: str) -> Membership:
    """How much of a room counts for this person: every message, mentions only, or nothing."""
    if level not in Membership.Notify.values:
        raise RoomRefused("Choose every message, mentions only or nothing.")
    membership = join_room(user, room) or Membership.objects.filter(room=room, user=user).first()
    if membership is None:
        raise NotRoomAdmin("You are not a member of this room.")
    membership.notify = level
    membership.save(update_fields=["notify"])
    return membership


def open_group(user: User, others: list[User]) -> Room:
    """The one conversation of exactly these people (`user` and 2 to 7 `others`), created with them as its
    only members by its first message or its first socket (never by a page view). The caller has checked
    who they are (distinct, active, not `user`)."""
    members = sorted([user, *others], key=lambda member: member.pk)
    ids = {member.pk for member in members}
    if len(ids) != len(members) or not (
        conversations.GROUP_MIN_MEMBERS <= len(members) <= conversations.GROUP_MAX_MEMBERS
    ):
        raise ValueError(f"a group conversation has 3 to 8 different people, not {sorted(ids)}")
    with transaction.atomic():
        room, created = Room.objects.get_or_create(
            slug=conversations.group_slug(ids),
            defaults={"name": conversations.group_name(members), "kind": Room.Kind.DIRECT},
        )
        if created:
            Membership.objects.bulk_create([Membership(room=room, user=member) for member in members])
            transaction.on_commit(lambda: broadcasts.group_opened(room, user, members), robust=True)
    return room


def remove_member(membership: Membership) -> None:
    """The user loses the room at once: their sockets there close, their badges stop counting it."""
    room_id, user_id = membership.room_id, membership.user_id
    with transaction.atomic():
        membership.delete()
        transaction.on_commit(lambda: broadcasts.membership_removed(room_id, user_id), robust=True)
