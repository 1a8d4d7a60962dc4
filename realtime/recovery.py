"""The hub's subscriptions outlive the channel layer's: renewed periodically, re-made after an outage, after
which every socket of the process catches up (it may have missed frames meanwhile)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from realtime.hub import Hub

logger = logging.getLogger(__name__)


async def recover(hub: Hub) -> None:
    """Retry until the layer takes our subscriptions again (a restarted Redis has none), then catch up."""
    while True:
        await asyncio.sleep(settings.HUB_RETRY_SECONDS)
        if await resubscribe_all(hub):
            logger.warning("channel layer is back: groups re-subscribed, catching sockets up")
            await resync_all(hub)
            return


async def refresh(hub: Hub) -> None:
    """channels-redis expires group memberships (group_expiry); a Redis restart drops them: renew."""
    while True:
        await asyncio.sleep(settings.HUB_REFRESH_SECONDS)
        await resubscribe_all(hub)


async def resubscribe_all(hub: Hub) -> bool:
    assert hub.channel is not None
    for group in list(hub.groups):
        try:
            await hub.layer.group_add(group, hub.channel)
        except Exception:
            logger.warning("channel layer unavailable: could not renew %s", group)
            return False
    return True


async def resync_all(hub: Hub) -> None:
    subscribers = {subscriber for members in hub.groups.values() for subscriber in members}
    for subscriber in subscribers:
        try:
            await subscriber.resync()
        except Exception:
            logger.exception("catch-up after a channel layer outage failed")
