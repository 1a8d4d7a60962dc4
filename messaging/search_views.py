"""/search/?q=: the messages a person can read that match, newest first, 20 a page (keyset: `before=` the last
result's id). A plain GET form that works without JavaScript; every bad query gets a clear page, never an
error or a hint about what the searcher cannot read."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from messaging import history, search
from messaging.models import Message
from messaging.search.query import MIN_TERM, parse
from messaging.search.snippets import snippet
from realtime.requests import AuthedRequest
from rooms import conversations
from rooms.conversations import Conversation


def link(message: Message, conversation: Conversation | None) -> str:
    if conversation is not None:
        url = reverse("messaging:message", args=[conversation.address, message.pk])
    else:
        url = reverse("rooms:message", args=[message.room.slug, message.pk])
    return f"{url}#{message.dom_id}"


@login_required
@require_GET
def results(request: AuthedRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    limit = settings.CHAT_SEARCH_MAX_LENGTH
    context: dict[str, object] = {"q": raw[:limit], "max_length": limit, "results": [], "problem": ""}
    if len(raw) > limit:
        context["problem"] = f"A search can be at most {limit} characters long."
        return render(request, "messaging/search.html", context, status=400)
    query = parse(raw)
    context["query"] = query
    if not query.runnable:
        if query.raw:
            context["problem"] = f"Search for at least {MIN_TERM} characters."
        return render(request, "messaging/search.html", context)
    before = history.parse_before(request.GET.get("before"))
    page = search.find(request.user, query, before, search.PAGE_SIZE + 1)
    found = page[: search.PAGE_SIZE]
    # Each conversation among the results by its name and address for this reader.
    named = conversations.of_rooms({message.room for message in found}, request.user.pk)
    for message in found:
        conversation = named.get(message.room_id)
        if conversation is not None and not conversation.others:
            conversation = None  # everyone else left it: no address to link it by
        message.search_conversation = conversation  # type: ignore[attr-defined]
        message.search_url = link(message, conversation)  # type: ignore[attr-defined]
        message.search_snippet = snippet(message.body, list(query.terms))  # type: ignore[attr-defined]
    context |= {
        "results": found,
        "older": found[-1].pk if len(page) > search.PAGE_SIZE else None,
        "paged": before is not None,
    }
    return render(request, "messaging/search.html", context)
