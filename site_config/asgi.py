"""The protocol router: HTTP goes to Django, sockets through the origin check and the session's user."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 - needs the app registry loaded above

from realtime.lifespan import lifespan  # noqa: E402
from realtime.signed_in import SignedInSockets  # noqa: E402
from site_config import collector  # noqa: E402
from site_config.origin import SameOriginSockets  # noqa: E402
from site_config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "lifespan": lifespan,
        "websocket": SameOriginSockets(SignedInSockets(URLRouter(websocket_urlpatterns))),
    }
)

collector.tune()
