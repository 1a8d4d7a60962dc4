from __future__ import annotations

from django.urls import re_path

from messaging.routing import websocket_urlpatterns as messaging_sockets
from realtime.not_found import NotFoundConsumer

# Every socket lives under /ws/; any other path is refused cleanly by the last route.
websocket_urlpatterns = [*messaging_sockets, re_path(r"", NotFoundConsumer.as_asgi())]
