from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from presence.models import Connection
from rooms.models import Membership, Room


def chat(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"max_length": settings.CHAT_MESSAGE_MAX_LENGTH}
    user = request.user
    if user.is_authenticated:
        # Lazy: only pages that show the sidebar pay for its query.
        def sidebar() -> dict[str, list[Membership]]:
            memberships = list(Membership.objects.for_sidebar(user))
            return {
                "rooms": [m for m in memberships if m.room.kind != Room.Kind.DIRECT],
                "directs": [m for m in memberships if m.room.kind == Room.Kind.DIRECT],
            }

        context["sidebar"] = SimpleLazyObject(sidebar)
        context["online_total"] = SimpleLazyObject(lambda: Connection.objects.online_total())
    return context
