from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from messaging import mentions, sidebar
from presence.models import Connection


def chat(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"max_length": settings.CHAT_MESSAGE_MAX_LENGTH}
    user = request.user
    if user.is_authenticated:
        # Lazy: only pages that show the sidebar pay for its query.
        context["sidebar"] = SimpleLazyObject(lambda: sidebar.of(user))
        context["online_total"] = SimpleLazyObject(lambda: Connection.objects.online_total())
        context["mention_count"] = SimpleLazyObject(lambda: mentions.unseen_count(user.pk))
        context["typing_throttle"] = settings.CHAT_TYPING_THROTTLE_SECONDS
    return context
