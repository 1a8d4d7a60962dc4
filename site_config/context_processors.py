from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from messaging import attention, mentions, sidebar
from people import custom_css, themes
from presence.models import Connection


def chat(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {
        "max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
        # Every page reads these once: the theme costs one query at most, the custom CSS none when cached.
        "theme": SimpleLazyObject(lambda: themes.theme_of(user)),
        "color_scheme": SimpleLazyObject(lambda: themes.COLOR_SCHEMES[themes.theme_of(user)]),
        "custom_css_version": SimpleLazyObject(lambda: custom_css.current().version),
    }
    if user.is_authenticated:
        # Lazy: only pages that show the sidebar pay for its query.
        context["sidebar"] = SimpleLazyObject(lambda: sidebar.of(user))
        context["online_total"] = SimpleLazyObject(lambda: Connection.objects.online_total())
        context["mention_count"] = SimpleLazyObject(lambda: mentions.unseen_count(user.pk))
        # Every signed-in page's title counts what is addressed to its reader (templates/base.html).
        context["attention"] = SimpleLazyObject(lambda: attention.count_for(user.pk))
        context["typing_throttle"] = settings.CHAT_TYPING_THROTTLE_SECONDS
    return context
