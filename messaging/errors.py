"""Why an action refused: each carries the sentence the sender is shown."""

from __future__ import annotations


class ActionRefused(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ActionRefused):
    status = 403


class RoomLocked(ActionRefused):
    status = 403


class Muted(ActionRefused):
    """Muted in the room by staff: they read, but cannot post, edit or react until the time they are told."""

    status = 403


class RateLimited(ActionRefused):
    status = 429


class SignedOut(ActionRefused):
    """The author was deactivated or deleted since their socket opened."""

    status = 401
