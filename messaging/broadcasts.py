"""Named broadcasts, called by actions after commit: render once, send the same HTML to every socket."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from realtime import groups, transport

if TYPE_CHECKING:
    from messaging.models import Message


def messages_created(messages: Iterable[Message]) -> None:
    for message in messages:
        html = render_to_string("messaging/_message_appended.html", {"message": message})
        transport.send_html(groups.room(message.room_id), html, message_id=message.pk)
        # Members on other pages: the same mark for all of them; each page's CSS ignores its viewer's own.
        bump = render_to_string("messaging/_unread_bump.html", {"message": message})
        transport.send_html(groups.unread(message.room_id), bump)


def message_changed(message: Message) -> None:
    html = render_to_string("messaging/_messages_replaced.html", {"chat_messages": [message]})
    transport.send_html(groups.room(message.room_id), html)
