"""Group conversations (3 to 8 people) at /dm/<user>,<user>/, and the conversation list with its New message
form. A group is addressed by its other members in any order and case; each address has one canonical
spelling (the usernames, alphabetically) that the others redirect to. Like one-to-one conversations, a GET
writes nothing: the group is stored with its first message or its first socket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from messaging import recipients
from messaging.views import chat_page, permalink_page
from realtime.requests import AuthedRequest
from rooms import actions as room_actions
from rooms import conversations
from rooms.conversations import Conversation
from rooms.models import Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The New message form offers the people of your conversations as checkboxes, up to this many.
SUGGESTED_PEOPLE = 30


def address_url(others: list[User]) -> str:
    """One person: the one-to-one conversation; more: the group."""
    if len(others) == 1:
        return reverse("messaging:direct", args=[others[0].username])
    return reverse("messaging:group", args=[Conversation.group(others).address])


def stored_group(user: User, others: list[User]) -> Room | None:
    slug = conversations.group_slug([user.pk, *(other.pk for other in others)])
    return Room.objects.filter(slug=slug, kind=Room.Kind.DIRECT).first()


def unsaved_group(user: User, others: list[User]) -> tuple[Room, str]:
    """The group's page before its first message: the room it will be, not stored, and the socket that
    stores it if it opens first (its member ids, which the slug's hash cannot give back)."""
    members = [user, *others]
    ids = sorted(member.pk for member in members)
    room = Room(
        slug=conversations.group_slug(ids),
        kind=Room.Kind.DIRECT,
        name=conversations.group_name(members),
    )
    return room, f"{room.socket_path}?members={'.'.join(str(pk) for pk in ids)}"


def refused(request: AuthedRequest, found: recipients.Recipients) -> HttpResponse:
    context = {"title": "No such conversation", "detail": " ".join(found.errors)}
    return render(request, "messaging/direct_error.html", context, status=404 if found.unknown else 400)


@login_required
@require_http_methods(["GET", "POST"])
def group(request: AuthedRequest, usernames: str) -> HttpResponse:
    """Naming yourself too is allowed (you are implied): you are left out of the address; naming only
    yourself is a 400, as /dm/<you>/ is."""
    found = recipients.parse(usernames, request.user)
    if found.errors:
        return refused(request, found)
    canonical = address_url(found.others)
    if canonical != request.path and (request.method == "GET" or len(found.others) == 1):
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{canonical}?{query}" if query else canonical)
    conversation = Conversation.group(found.others)
    room = stored_group(request.user, found.others)
    if room is None:
        if found.inactive:
            found.errors.append(recipients.inactive_error(found))
            return refused(request, found)
        room, socket_path = unsaved_group(request.user, found.others)
        others = found.others
        create = lambda: room_actions.open_group(request.user, others)  # noqa: E731
        return chat_page(request, room, conversation, create=create, socket_path=socket_path)
    if not room.is_member(request.user):  # removed from it (the admin): gone, as for anyone else
        raise Http404("No such conversation.")
    return chat_page(request, room, conversation)


@login_required
@require_GET
def group_message(request: AuthedRequest, usernames: str, pk: int) -> HttpResponse:
    """A group message's permalink page; a message of another room is not here (404)."""
    found = recipients.parse(usernames, request.user)
    if found.errors or len(found.others) < 2:
        raise Http404("No such message.")
    canonical = reverse("messaging:group_message", args=[Conversation.group(found.others).address, pk])
    if canonical != request.path:
        return redirect(canonical)
    room = stored_group(request.user, found.others)
    if room is None or not room.is_member(request.user):
        raise Http404("No such message.")
    return permalink_page(request, room, Conversation.group(found.others), pk)


def suggested_people(user: User) -> list[User]:
    """The people of the user's conversations: who they are likely to write to next."""
    people = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__room__kind=Room.Kind.DIRECT,
            memberships__room__memberships__user=user,
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )
    return list(people[:SUGGESTED_PEOPLE])


@login_required
@require_GET
def direct_list(request: AuthedRequest) -> HttpResponse:
    """The conversations, and the New message form: a plain GET (`to`: usernames separated by commas or
    spaces, and/or checked people) that leads to the conversation's address, which writes nothing either."""
    errors: list[str] = []
    to = request.GET.getlist("to")
    if to:
        found = recipients.parse(", ".join(to), request.user)
        errors = found.errors or ([recipients.inactive_error(found)] if found.inactive else [])
        if not errors:
            return redirect(address_url(found.others))
    context = {
        "errors": errors,
        "to": ", ".join(to)[: recipients.MAX_CHARS],
        "people": suggested_people(request.user),
        "max_length": recipients.MAX_CHARS,
    }
    return render(request, "messaging/direct_list.html", context, status=400 if errors else 200)
