"""Application close codes (4000-4999): htmx reconnects only on the codes it is configured for (base.html),
so these end a socket for good, while 1013 ("try again later") is retried and the page catches up."""

from __future__ import annotations

NOT_SIGNED_IN = 4401
FORBIDDEN = 4403
NO_SUCH_ROOM = 4404
TOO_MANY_SOCKETS = 4429
TOO_FAR_BEHIND = 1013

# What the page says when the server ends its socket for good (the connection status).
EXPLANATIONS = {
    NOT_SIGNED_IN: "Signed out: reload the page to sign in again.",
    FORBIDDEN: "You no longer have access here.",
    NO_SUCH_ROOM: "This room is not available.",
    TOO_MANY_SOCKETS: "Too many open tabs: close some, then reload this page.",
}
