from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from messaging import actions
from messaging.errors import ActionRefused
from messaging.forms import MessageForm
from messaging.models import Message
from presence.broadcasts import online_list
from rooms.models import Membership, Room
from site_config.types import AuthedRequest


def chat_page(request: AuthedRequest, room: Room) -> HttpResponse:
    """A room or a conversation; without JavaScript its form posts here and the page comes back updated."""
    if request.method == "POST" and "delete" in request.POST:
        return delete_from_page(request, room)
    form = MessageForm(request.POST or None)
    refusal: ActionRefused | None = None
    if request.method == "POST" and form.is_valid():
        try:
            message = actions.post_message(request.user, room, form.cleaned_data["body"])
        except ActionRefused as refused:
            refusal = refused
        else:
            return redirect(f"{request.path}#{message.dom_id}")
    Membership.objects.get_or_create(room=room, user=request.user)
    messages = Message.objects.latest_in_room(room, settings.CHAT_HISTORY_LENGTH)
    if messages:
        actions.mark_read(request.user, room.pk, messages[-1].pk)
    errors = [refusal.message] if refusal else [e for errs in form.errors.values() for e in errs]
    context = {
        "room": room,
        "chat_messages": messages,
        "errors": errors,
        "value": request.POST.get("body", "") if errors else "",
        "online": online_list(room.pk),
        "sync_after": messages[-1].pk if messages else 0,
        "sync_since": timezone.now(),
        "direct_partner": room.memberships.exclude(user=request.user).select_related("user").first()
        if room.kind == Room.Kind.DIRECT
        else None,
    }
    status = refusal.status if refusal else (400 if form.errors else 200)
    return render(request, "messaging/chat.html", context, status=status)


def delete_from_page(request: AuthedRequest, room: Room) -> HttpResponse:
    """The no-JavaScript path of a message's delete button (the socket path calls the same action)."""
    try:
        actions.delete_own_message(request.user, room, int(request.POST["delete"]))
    except ValueError:
        return HttpResponseBadRequest("Malformed delete request.")
    except ActionRefused as refusal:
        return HttpResponse(refusal.message, status=refusal.status)
    return redirect(request.path)


@login_required
@require_http_methods(["GET", "POST"])
def direct(request: AuthedRequest, username: str) -> HttpResponse:
    other = get_user_model().objects.filter(username=username).first()
    if other is None:
        context = {"title": "No such person", "detail": f"Nobody here is called “{username}”."}
        return render(request, "messaging/direct_error.html", context, status=404)
    if other.pk == request.user.pk:
        context = {"title": "That is you", "detail": "Direct messages are between two different people."}
        return render(request, "messaging/direct_error.html", context, status=400)
    room = actions.open_direct(request.user, other)
    return chat_page(request, room)


@login_required
@require_GET
def direct_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "messaging/direct_list.html")
