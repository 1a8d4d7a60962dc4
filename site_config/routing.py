from __future__ import annotations

from messaging.routing import websocket_urlpatterns as messaging_sockets
from presence.routing import websocket_urlpatterns as presence_sockets

# Every socket lives under /ws/.
websocket_urlpatterns = [*messaging_sockets, *presence_sockets]
