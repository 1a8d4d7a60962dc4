"""What this process saw go missing between the channel layer and its sockets, counted since it started.

- `lost_events`: events a sender numbered that never reached this process's hub (dropped over the layer's
  capacity, expired in its queue, or a subscription the layer forgot), found by a gap in the numbers or by a
  watermark (realtime/sequence.py). Each was repaired: the group's sockets caught up, its lists re-rendered.
- `gaps`: how many times such a loss was found (one gap may hide many events).
- `late_events`: events that arrived more than half the layer's expiry after they were sent: this process
  (or the layer) is not keeping up, and the next ones may expire.
- `slow_socket_closes`: sockets closed with 1013 because their client stopped reading (the page reconnects
  and catches up).

Written as one line to stderr when the server shuts down (SIGTERM, SIGINT; not SIGKILL), and logged
(WARNING, logger `realtime.losses`) every HUB_LOSS_REPORT_SECONDS while the numbers change. Benchmarks parse
it from the server's stderr; keep it stable:

    realtime losses: lost=<int> gaps=<int> late=<int> slow_socket_closes=<int>

The same numbers, machine-readable: `LINE.fullmatch(text)` gives the four counts as named groups.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import re
import sys
from dataclasses import astuple, dataclass

logger = logging.getLogger(__name__)

LINE = re.compile(
    r"realtime losses: lost=(?P<lost>\d+) gaps=(?P<gaps>\d+) late=(?P<late>\d+)"
    r" slow_socket_closes=(?P<slow_socket_closes>\d+)"
)


@dataclass
class Losses:
    lost_events: int = 0
    gaps: int = 0
    late_events: int = 0
    slow_socket_closes: int = 0

    def line(self) -> str:
        return (
            f"realtime losses: lost={self.lost_events} gaps={self.gaps} late={self.late_events}"
            f" slow_socket_closes={self.slow_socket_closes}"
        )


losses = Losses()
# Whether a hub ever ran in this process (only then is the exit line worth writing), and what was last logged.
started = False
_reported = astuple(Losses())


def report() -> None:
    """Logs the line if anything changed since it was last logged."""
    global _reported
    now = astuple(losses)
    if now != _reported:
        _reported = now
        logger.warning(losses.line())


@atexit.register
def write() -> None:
    """At exit (daphne), or at the ASGI lifespan's shutdown (uvicorn, which ends itself with the signal it
    was stopped by, so exit handlers never run: realtime/lifespan.py)."""
    if started:
        # Straight to stderr: logging's streams may be closed by now (a test runner's capture).
        with contextlib.suppress(Exception):
            print(losses.line(), file=sys.stderr, flush=True)
