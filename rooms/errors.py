"""Why a room action refused: each carries the sentence the person is shown and the HTTP status it maps to."""

from __future__ import annotations


class RoomRefused(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotRoomAdmin(RoomRefused):
    status = 403
