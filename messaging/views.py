from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods

from messaging import actions, attention, broadcasts, fragments, history, log
from messaging import mentions as mentions_of
from messaging.errors import ActionRefused, NotAllowed
from messaging.forms import MessageForm
from messaging.models import Mention, Message
from people.names import display_name, is_username
from presence.broadcasts import online_list
from realtime.requests import AuthedRequest
from rooms import actions as room_actions
from rooms import moderation
from rooms.actions import join_room
from rooms.conversations import Conversation
from rooms.models import Membership, Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MENTIONS_SHOWN = 50


def chat_page(
    request: AuthedRequest,
    room: Room,
    conversation: Conversation | None = None,
    create: Callable[[], Room] | None = None,
    socket_path: str = "",
) -> HttpResponse:
    """A room or a conversation (as its reader sees it); without JavaScript its form posts here and the page
    comes back updated. GET writes nothing but the viewer's own read mark. `room` may be a conversation not
    stored yet: `create` stores it with its first message, in one transaction (a refused message leaves no
    room), and `socket_path` is the socket that stores it if it opens first."""
    if request.method == "POST" and "delete" in request.POST:
        return delete_from_page(request, room)
    form = MessageForm(request.POST or None)
    refusal: ActionRefused | None = None
    reply_to = replying_to(request, room)
    if request.method == "POST" and form.is_valid():
        try:
            body = form.cleaned_data["body"]
            message = post_from_page(request.user, room, body, create, reply_to.pk if reply_to else None)
        except ActionRefused as refused:
            refusal = refused
        else:
            return redirect(f"{request.path}#{message.dom_id}")
    stored = room.pk is not None
    before = history.parse_before(request.GET.get("before")) if request.method == "GET" and stored else None
    if before is not None:
        return history_page(request, room, conversation, before)
    messages = (
        log.prepare(Message.objects.latest_in_room(room, settings.CHAT_HISTORY_LENGTH)) if stored else []
    )
    first_unread = history.first_unread(request.user, room, messages) if stored else None
    if messages:
        actions.mark_read(request.user, room.pk, messages[-1].pk)
    errors = [refusal.message] if refusal else [e for errs in form.errors.values() for e in errs]
    viewer = (request.user.pk, request.user.get_username(), display_name(request.user))
    context = {
        "room": room,
        "chat_messages": messages,
        "errors": errors,
        "value": request.POST.get("body", "") if errors else "",
        "online": online_list(room.pk, viewer=viewer) if stored else {"people": [viewer], "more": 0},
        "sync_after": messages[-1].pk if messages else 0,
        "sync_since": timezone.now(),
        "conversation": conversation,
        "socket_path": socket_path,
        "replying_to": reply_to,
        "older_before": history.older_before(room, messages) if stored else None,
        "history_url": request.path,
        "first_unread": first_unread,
        "typing_lines": [],
    } | room_tools(request.user, room)
    status = refusal.status if refusal else (400 if form.errors else 200)
    return render(request, "messaging/chat.html", context, status=status)


def room_tools(user: User, room: Room) -> dict[str, Any]:
    """What this viewer may do in a room besides posting: its settings, their notification level, a mute."""
    if room.pk is None or room.kind == Room.Kind.DIRECT:
        return {}
    membership = Membership.objects.filter(room=room, user=user).only("notify").first()
    return {
        "room_admin": room.is_admin(user),
        # Not a member yet (their socket joins them): the sidebar still shows the room they are in.
        "visiting": membership is None,
        "member_count": room.memberships.count(),
        "notify": membership.notify if membership else Membership.Notify.ALL,
        "notify_choices": Membership.Notify.choices,
        "muted_until": moderation.muted_until(user, room),
    }


def history_page(
    request: AuthedRequest, room: Room, conversation: Conversation | None, before: int
) -> HttpResponse:
    """The messages before `before`: for htmx scrolling back, the fragment that replaces the log's top link;
    without it, a page of history with links to older and newer pages, and no live socket."""
    context = history_context(room, conversation, history.page_before(room, before), request.path)
    if request.htmx:
        return render(request, "messaging/_history_chunk.html", context)
    return render(request, "messaging/history.html", context | {"history_page": True})


def permalink_page(
    request: AuthedRequest, room: Room, conversation: Conversation | None, pk: int
) -> HttpResponse:
    """A message's own page: the history around it, the message highlighted, no live socket (so catch-up
    never appends into the middle of it), older and newer pages linked and "Jump to latest"."""
    page = history.page_around(room, pk)
    shown = next((message for message in page.messages if message.pk == pk), None)
    if shown is None:
        raise Http404("No such message.")
    live_url = (
        reverse("messaging:direct", args=[conversation.address]) if conversation else room.get_absolute_url()
    )
    context = history_context(room, conversation, page, live_url) | {
        "history_page": True,
        "highlight": pk,
        "may_change_highlight": may_change(request.user, shown),
    }
    return render(request, "messaging/history.html", context)


def history_context(
    room: Room, conversation: Conversation | None, page: history.Page, history_url: str
) -> dict[str, Any]:
    return {
        "room": room,
        "chat_messages": page.messages,
        "older_before": page.older_before,
        "newer_before": page.newer_before,
        "history_url": history_url,
        "conversation": conversation,
    }


def may_change(user: User, message: Message) -> bool:
    """Edit and Delete are offered to the author and to staff (the actions check again)."""
    return not message.is_deleted and (message.author_id == user.pk or user.is_staff)


def replying_to(request: AuthedRequest, room: Room) -> Message | None:
    """The message a no-JavaScript reply quotes (`?reply=<pk>` on the page, `reply_to` in its form)."""
    raw = request.POST.get("reply_to") or request.GET.get("reply") or ""
    if room.pk is None or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return (
        Message.objects.filter(pk=int(raw), room=room, deleted_at__isnull=True)
        .select_related("author__profile", "room")
        .defer("author__profile__avatar")
        .first()
    )


def post_from_page(
    user: User, room: Room, body: str, create: Callable[[], Room] | None, reply_to: int | None = None
) -> Message:
    if room.pk is not None or create is None:
        message = actions.post_message(user, room, body, reply_to)
    else:
        with transaction.atomic():
            message = actions.post_message(user, create(), body)
    join_room(user, message.room)
    return message


def delete_from_page(request: AuthedRequest, room: Room) -> HttpResponse:
    """The no-JavaScript path of a message's delete button (the socket path calls the same action)."""
    try:
        if room.pk is None:
            raise NotAllowed("That message is not here any more.")
        actions.delete_own_message(request.user, room, int(request.POST["delete"]))
    except ValueError:
        return HttpResponseBadRequest("Malformed delete request.")
    except ActionRefused as refusal:
        return HttpResponse(refusal.message, status=refusal.status)
    return redirect(request.path)


def unsaved_direct(user: User, other: User) -> Room:
    """The conversation's page before its first message: the room it will be, not stored (a GET, even a
    cross-site one, opens nothing). Its socket address is the stored room's; the first message or socket
    stores it (actions.open_direct)."""
    return Room(slug=Room.direct_slug(user, other), kind=Room.Kind.DIRECT, name=Room.direct_name(user, other))


@login_required
@require_http_methods(["GET", "POST"])
def direct(request: AuthedRequest, username: str) -> HttpResponse:
    other = (
        get_user_model().objects.select_related("profile").filter(username=username).first()
        if is_username(username)
        else None
    )
    if other is None:
        shown = Truncator(username).chars(40)
        context = {"title": "No such person", "detail": f"Nobody here is called “{shown}”."}
        return render(request, "messaging/direct_error.html", context, status=404)
    if other.pk == request.user.pk:
        context = {"title": "That is you", "detail": "Direct messages are between two different people."}
        return render(request, "messaging/direct_error.html", context, status=400)
    room = Room.objects.filter(slug=Room.direct_slug(request.user, other), kind=Room.Kind.DIRECT).first()
    if room is None and not other.is_active:  # a banned account: no new conversation (its old one stays)
        raise Http404("No such person.")
    if room is None:
        room = unsaved_direct(request.user, other)
        create = lambda: room_actions.open_direct(request.user, other)  # noqa: E731
        return chat_page(request, room, Conversation.one_to_one(other), create=create)
    if not room.is_member(request.user):  # removed from it (the admin): gone, as for anyone else
        raise Http404("No such conversation.")
    return chat_page(request, room, Conversation.one_to_one(other))


@login_required
@require_GET
def direct_message(request: AuthedRequest, username: str, pk: int) -> HttpResponse:
    """A conversation message's permalink page, at the address its reader knows the conversation by."""
    if not is_username(username):
        raise Http404("No such message.")
    other = get_user_model().objects.filter(username=username).exclude(pk=request.user.pk).first()
    room = (
        Room.objects.filter(slug=Room.direct_slug(request.user, other), kind=Room.Kind.DIRECT).first()
        if other
        else None
    )
    if other is None or room is None or not room.is_member(request.user):
        raise Http404("No such message.")
    return permalink_page(request, room, Conversation.one_to_one(other), pk)


@login_required
@require_http_methods(["GET", "POST"])
def mentions(request: AuthedRequest) -> HttpResponse:
    """The reader's recent mentions, in rooms they can still read. Opening the page clears the badge: the
    page marks them seen with a POST as it loads (htmx), or by its button without JavaScript; a GET writes
    nothing (a cross-site <img src="/mentions/"> must not clear anyone's badge)."""
    if request.method == "POST":
        if mentions_of.mark_seen(request.user):
            broadcasts.mentions_changed([request.user.pk])
            broadcasts.attention_changed([request.user.pk])
        if request.htmx:
            # The page's own title too: it has no socket to hear that its count changed.
            count = render_to_string("messaging/_mention_count.html", {"mention_count": 0}, request)
            title = fragments.page_title("Mentions", attention.count_for(request.user.pk))
            return HttpResponse(count + title)
        return redirect("mentions:index")
    found = list(
        Mention.objects.filter(user=request.user, message__deleted_at__isnull=True)
        .select_related("message__author__profile", "message__room")
        .defer("message__author__profile__avatar")
        .order_by("-id")[:MENTIONS_SHOWN]
    )
    readable = [mention for mention in found if mention.message.room.can_read(request.user)]
    return render(request, "messaging/mentions.html", {"mentions": readable})
