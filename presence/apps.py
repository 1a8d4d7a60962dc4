from __future__ import annotations

from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "presence"

    def ready(self) -> None:
        from presence import revocation

        revocation.connect()
