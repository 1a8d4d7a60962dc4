from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from messaging import sidebar
from messaging.models import Message
from messaging.views import chat_page
from presence.models import Connection
from realtime.requests import AuthedRequest
from rooms import actions, conversations, names
from rooms.errors import RoomRefused
from rooms.forms import OpenRoomForm, RoomDetailsForm
from rooms.models import Room


@login_required
@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    """The room selector. Its two forms post here: "open" (an existing name opens, a new one creates an open
    room) and "create" (name, topic, open or private: always a new room), told apart by the `kind` field."""
    creating = request.method == "POST" and "kind" in request.POST
    form = OpenRoomForm(None if creating else request.POST or None)
    create_form = RoomDetailsForm(request.POST if creating else None, auto_id="create-%s")
    bound = create_form if creating else form
    if request.method == "POST" and bound.is_valid():
        try:
            if creating:
                data = create_form.cleaned_data
                room = actions.create_room(request.user, data["name"], data["topic"], data["kind"])
            else:
                room = actions.open_room(request.user, form.cleaned_data["name"])
            return redirect(room)
        except RoomRefused as refusal:
            bound.add_error("name", refusal.message)
    newest = Message.objects.filter(room=OuterRef("pk"), deleted_at__isnull=True).order_by("-id")
    rooms = list(
        Room.objects.in_selector()
        .visible_to(request.user)
        .annotate(last_at=Subquery(newest.values("created_at")[:1]))
        .order_by("name")
    )
    counts = Connection.objects.online_counts()
    unread = {row.room_id: row.unread for row in sidebar.memberships(request.user)}  # type: ignore[attr-defined]
    for room in rooms:
        room.online_count = counts.get(room.pk, 0)  # type: ignore[attr-defined]
        room.unread = unread.get(room.pk, 0)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "create_form": create_form,
        "creating": creating,
        "rooms": rooms,
        "may_create": actions.may_create_rooms(request.user),
    }
    return render(request, "rooms/index.html", context, status=400 if bound.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: AuthedRequest, slug: str) -> HttpResponse:
    """Reads only: a room that is not there, or that this user may not read, gets the same answer (the offer
    to create one by that name, whose POST goes to the room selector's form)."""
    if names.is_reserved_slug(slug):
        return direct_by_room_address(request, slug)
    if not names.is_listed_slug(slug):
        raise Http404("No such room.")
    room = Room.objects.filter(slug=slug).first()
    if room is None or room.kind == Room.Kind.DIRECT or not room.can_read(request.user):
        return missing(request, slug)
    return chat_page(request, room)


def direct_by_room_address(request: AuthedRequest, slug: str) -> HttpResponse:
    """Conversations have their own address; this one only leads there for their members. A conversation
    whose other member deleted their account has no other address: it is read here, and posting is refused."""
    room = Room.objects.filter(slug=slug, kind=Room.Kind.DIRECT).first()
    if room is None or not room.is_member(request.user):
        raise Http404("No such room.")
    seen_as = conversations.of_room(room, request.user.pk)
    if not seen_as.address:
        return chat_page(request, room, seen_as)
    return redirect("messaging:direct", seen_as.address)


def missing(request: AuthedRequest, slug: str) -> HttpResponse:
    if (
        not settings.CHAT_AUTO_CREATE_ROOMS
        or not names.slug_for(slug)
        or not actions.may_create_rooms(request.user)
    ):
        raise Http404("No such room.")
    return render(request, "rooms/missing.html", {"name": slug}, status=404)
