"""One message's own addresses: its permalink, the no-JavaScript edit and reaction forms, starting a reply.

Every address is the room's slug (a conversation's too), so the message HTML pushed to everyone links the
same way for every reader. Each answers a message of a room the reader may not read like one that does not
exist. With htmx (`request.htmx`) they answer with the fragment to swap; without, with a page or a redirect.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from messaging import actions, log
from messaging.errors import ActionRefused
from messaging.forms import MessageForm, ReactionForm
from messaging.models import Message
from messaging.views import may_change, permalink_page
from realtime.requests import AuthedRequest
from rooms import conversations
from rooms.models import Room


def readable(request: AuthedRequest, slug: str, pk: int) -> Message:
    room = Room.objects.filter(slug=slug).first()
    if room is None or not room.can_read(request.user):
        raise Http404("No such message.")
    messages = log.prepare(Message.objects.in_room(room).with_previous().filter(pk=pk))
    if not messages:
        raise Http404("No such message.")
    return messages[0]


def address(request: AuthedRequest, room: Room) -> str:
    """A conversation's address for this reader: the other members' names ("" when the other person deleted
    their account: the conversation is read at its room address)."""
    if room.kind != Room.Kind.DIRECT:
        return ""
    return conversations.of_room(room, request.user.pk).address


def on_live_page(message: Message) -> bool:
    newer = Message.objects.filter(room=message.room, id__gt=message.pk).values("id")
    return newer[: settings.CHAT_HISTORY_LENGTH].count() < settings.CHAT_HISTORY_LENGTH


def live_url(request: AuthedRequest, room: Room) -> str:
    """The room's live page (a conversation's, at the address its reader knows it by)."""
    if others := address(request, room):
        return reverse("messaging:direct", args=[others])
    return reverse("rooms:detail", args=[room.slug])


def in_room_page(request: AuthedRequest, message: Message, query: str = "") -> HttpResponseRedirect:
    """The room's page at that message; a message too old to be on it: its permalink page."""
    room = message.room
    if not query and not on_live_page(message):
        if others := address(request, room):
            url = reverse("messaging:message", args=[others, message.pk])
        else:
            url = reverse("rooms:message", args=[room.slug, message.pk])
    else:
        url = live_url(request, room)
    return redirect(f"{url}{query}#{message.dom_id}")


@login_required
@require_GET
def permalink(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    """The message's page (history around it); a conversation's is at the address its reader knows it by.
    With htmx (an edit cancelled): the message as it is."""
    message = readable(request, slug, pk)
    if request.htmx:
        return HttpResponse(render_to_string("messaging/_message.html", {"message": message}, request))
    return message_page(request, message)


def message_page(request: AuthedRequest, message: Message) -> HttpResponse:
    if others := address(request, message.room):
        url = reverse("messaging:message", args=[others, message.pk])
        return redirect(f"{url}#{message.dom_id}")
    room = message.room
    seen_as = conversations.of_room(room, request.user.pk) if room.kind == Room.Kind.DIRECT else None
    return permalink_page(request, room, seen_as, message.pk)


@login_required
@require_GET
def message_actions(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    """A message's controls for this reader, loaded by htmx when they first point at or focus the message;
    without htmx, the message's page (which shows them)."""
    message = readable(request, slug, pk)
    if not request.htmx:
        return message_page(request, message)
    if message.is_deleted:
        return HttpResponse("")
    context = {
        "message": message,
        "may_change": may_change(request.user, message),
        "standalone": request.GET.get("standalone") == "1",
        "history_url": live_url(request, message.room),
    }
    return render(request, "messaging/_message_actions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    message = readable(request, slug, pk)
    if message.is_deleted:
        raise Http404("No such message.")
    form = MessageForm(request.POST or None, initial={"body": message.body})
    refusal: ActionRefused | None = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_message(request.user, message.room, message.pk, form.cleaned_data["body"])
        except ActionRefused as refused:
            refusal = refused
        else:
            return in_room_page(request, message)
    context = {"message": message, "form": form, "refusal": refusal}
    template = "messaging/_message_edit.html" if request.htmx else "messaging/message_edit.html"
    status = refusal.status if refusal else (400 if form.errors else 200)
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def react(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    """GET: the palette (htmx swaps it in for the message's React control; without JavaScript, a page of
    it). POST: the no-JavaScript path of a reaction button (the socket path calls the same action)."""
    message = readable(request, slug, pk)
    if message.is_deleted:
        raise Http404("No such message.")
    if request.method == "GET":
        template = "messaging/_react_palette.html" if request.htmx else "messaging/react.html"
        return render(request, template, {"message": message})
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(str(error) for error in form.errors["reaction"]), status=400)
    try:
        actions.toggle_reaction(request.user, message.room, message.pk, form.cleaned_data["reaction"])
    except ActionRefused as refusal:
        return HttpResponse(refusal.message, status=refusal.status)
    return in_room_page(request, message)


@login_required
@require_GET
def reply(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    """The composer's reply quote (pk 0: none, a reply cancelled); without htmx, the room with it."""
    message = readable(request, slug, pk) if pk else None
    if message is not None and message.is_deleted:
        raise Http404("No such message.")
    if not request.htmx:
        if message is None:
            raise Http404("No such message.")
        return in_room_page(request, message, f"?reply={message.pk}")
    html = render_to_string("messaging/chat.html#composer-reply", {"reply": message}, request)
    return HttpResponse(html)
