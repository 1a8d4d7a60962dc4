"""The socket origin check: a page may only open sockets on the origin it was served from.

Channels' AllowedHostsOriginValidator accepts any scheme and port of an allowed host and refuses before accept
(the browser sees 1006 and htmx retries forever). This one compares scheme, host and port of the Origin header
with the socket's own origin (its scheme and Host header), and refuses after accept with 4403, which htmx does
not retry. An origin listed exactly in CSRF_TRUSTED_ORIGINS is accepted too (a TLS proxy in front).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host

FORBIDDEN = 4403

# The scheme a page had for the socket's scheme (a proxy's X-Forwarded-Proto may give http/https directly).
PAGE_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
DEFAULT_PORT = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def parse_origin(value: str) -> Origin | None:
    """(scheme, host, port) of an http(s) origin, with the scheme's default port filled in."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORT or not parts.hostname or parts.path or parts.query or parts.username:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORT[scheme]


def header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # Django's own rule for an empty list while debugging
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def socket_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin of the page that may open this socket: its scheme and Host header, if the host is ours.

    Without a Host header there is no origin to compare with (every real handshake has one): refused."""
    host = header(scope, b"host")
    scheme = PAGE_SCHEME.get(str(scope.get("scheme", "ws")).lower())
    if not host or not scheme:
        return None
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, allowed_hosts()):
        return None
    return parse_origin(f"{scheme}://{host}")


def origin_allowed(scope: dict[str, Any]) -> bool:
    own = socket_origin(scope)
    value = header(scope, b"origin")
    if own is None or not value:
        return False
    if value in settings.CSRF_TRUSTED_ORIGINS:
        return True
    origin = parse_origin(value)
    return origin is not None and origin == own


class SameOriginSockets:
    """ASGI middleware: sockets from another origin are accepted, then closed with 4403."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket" or origin_allowed(scope):
            await self.app(scope, receive, send)
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": FORBIDDEN})
