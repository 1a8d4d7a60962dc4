from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from messaging.views import chat_page
from presence.models import Connection
from rooms.forms import OpenRoomForm
from rooms.models import Room
from site_config.types import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    form = OpenRoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        room, _ = Room.objects.get_or_create(
            slug=form.slug, defaults={"name": form.cleaned_data["name"], "created_by": request.user}
        )
        return redirect(room)
    rooms = list(Room.objects.listed().visible_to(request.user).order_by("name"))
    counts = Connection.objects.online_counts()
    for room in rooms:
        room.online_count = counts.get(room.pk, 0)  # type: ignore[attr-defined]
    context = {"form": form, "rooms": rooms}
    return render(request, "rooms/index.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: AuthedRequest, slug: str) -> HttpResponse:
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        if not settings.CHAT_AUTO_CREATE_ROOMS or slug.startswith("dm-"):
            raise Http404("No such room.")
        room, _ = Room.objects.get_or_create(slug=slug, defaults={"name": slug, "created_by": request.user})
    if room.kind == Room.Kind.DIRECT:
        # Conversations have their own address; this one only leads there for its two members.
        other = room.memberships.exclude(user=request.user).select_related("user").first()
        if other is None or not room.is_member(request.user):
            raise Http404("No such room.")
        return redirect("messaging:direct", other.user.username)
    if not room.can_read(request.user):
        raise Http404("No such room.")
    return chat_page(request, room)
