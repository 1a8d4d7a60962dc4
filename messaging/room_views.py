from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from messaging.views import chat_page
from presence.models import Connection
from realtime.requests import AuthedRequest
from rooms import actions, conversations, names
from rooms.forms import OpenRoomForm
from rooms.models import Room


@login_required
@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    form = OpenRoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect(actions.open_room(request.user, form.cleaned_data["name"]))
    rooms = list(Room.objects.listed().visible_to(request.user).order_by("name"))
    counts = Connection.objects.online_counts()
    for room in rooms:
        room.online_count = counts.get(room.pk, 0)  # type: ignore[attr-defined]
    context = {"form": form, "rooms": rooms}
    return render(request, "rooms/index.html", context, status=400 if form.errors else 200)


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
    """Conversations have their own address; this one only leads there for their members."""
    room = Room.objects.filter(slug=slug, kind=Room.Kind.DIRECT).first()
    if room is None or not room.is_member(request.user):
        raise Http404("No such room.")
    others = conversations.of_room(room, request.user.pk).address
    if not others:
        raise Http404("No such room.")
    return redirect("messaging:direct", others)


def missing(request: AuthedRequest, slug: str) -> HttpResponse:
    if not settings.CHAT_AUTO_CREATE_ROOMS or not names.slug_for(slug):
        raise Http404("No such room.")
    return render(request, "rooms/missing.html", {"name": slug}, status=404)
