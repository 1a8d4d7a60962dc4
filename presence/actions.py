"""Ending people's connections: their sockets close at once, on every process."""

from __future__ import annotations

from presence import broadcasts


def end_session(session_key: str) -> None:
    """Signed out: sockets opened with that login session close (other devices stay signed in)."""
    broadcasts.session_ended(session_key)
