from __future__ import annotations

from django.urls import path

from messaging.consumers import LobbyConsumer, RoomConsumer

websocket_urlpatterns = [
    path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi()),
    path("ws/lobby/", LobbyConsumer.as_asgi()),
]
