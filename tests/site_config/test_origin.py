"""The socket origin check: scheme, host and port of the page must be the socket's own; refusals come after
accept with 4403 (a refused handshake looks like 1006 to the browser, and htmx would retry it forever)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from presence.notifier import notifier
from tests.conftest import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def open_lobby(
    origin: str | None, host: str | None, scheme: str | None = None, user=None
) -> tuple[bool, dict]:
    """Connects to the lobby socket; returns whether it was accepted and the first thing the server sent."""
    from site_config.asgi import application

    headers = []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/lobby/", headers=headers)
    if scheme is not None:
        communicator.scope["scheme"] = scheme
    accepted, _ = await communicator.connect()
    first = await communicator.receive_output(2) if accepted else {}
    await communicator.disconnect()
    await notifier().settled()
    return accepted, first


def refused_with_4403(result: tuple[bool, dict]) -> bool:
    accepted, first = result
    return accepted and first == {"type": "websocket.close", "code": 4403}


def reaches_the_page(result: tuple[bool, dict]) -> bool:
    accepted, first = result
    return accepted and first.get("type") == "websocket.send" and 'id="connection-status"' in first["text"]


async def test_a_socket_from_the_pages_own_origin_opens(alice):
    assert reaches_the_page(await open_lobby("http://localhost:8000", "localhost:8000", user=alice))


async def test_the_default_port_may_be_implicit_on_either_side(alice):
    assert reaches_the_page(await open_lobby("http://localhost:80", "localhost", user=alice))
    assert reaches_the_page(await open_lobby("https://localhost", "localhost:443", "wss", user=alice))


async def test_another_port_of_the_same_host_is_refused_after_accept(alice):
    assert refused_with_4403(await open_lobby("http://localhost:9999", "localhost:8000", user=alice))


async def test_another_scheme_of_the_same_host_and_port_is_refused_after_accept(alice):
    assert refused_with_4403(await open_lobby("https://localhost:8000", "localhost:8000", "ws", user=alice))
    assert refused_with_4403(await open_lobby("http://localhost:8000", "localhost:8000", "wss", user=alice))


async def test_another_host_is_refused_after_accept(alice):
    assert refused_with_4403(await open_lobby("http://evil.example", "localhost", user=alice))
    # Both sides naming a host that is not ours (DNS rebinding) is refused too.
    assert refused_with_4403(await open_lobby("http://evil.example", "evil.example", user=alice))


@pytest.mark.parametrize("origin", [None, "", "null", "localhost:8000", "http://localhost:8000/path"])
async def test_a_missing_or_malformed_origin_is_refused_after_accept(alice, origin):
    assert refused_with_4403(await open_lobby(origin, "localhost:8000", user=alice))


async def test_a_socket_without_a_host_header_is_refused_after_accept(alice):
    assert refused_with_4403(await open_lobby("http://localhost", None, user=alice))


async def test_an_origin_listed_in_csrf_trusted_origins_opens(alice, settings):
    """A TLS proxy in front: the page is https://chat.example.com, the server sees plain ws on localhost."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example.com"]

    assert reaches_the_page(await open_lobby("https://chat.example.com", "localhost:8000", user=alice))
    assert refused_with_4403(await open_lobby("https://chat.example.com:8443", "localhost:8000", user=alice))


async def test_a_proxy_forwarded_https_scheme_counts_as_wss(alice):
    """daphne --proxy-headers puts X-Forwarded-Proto ("https") into the socket's scope as it is."""
    assert reaches_the_page(await open_lobby("https://localhost", "localhost", "https", user=alice))


def test_http_is_not_checked_for_origin(client):
    assert client.get("/accounts/login/", HTTP_ORIGIN="http://evil.example").status_code == 200
