"""uvicorn ends itself with the signal that stopped it, so exit handlers never run there: the loss counts are
written at the lifespan's shutdown instead, where the benchmark reads them from the server's output."""

from __future__ import annotations

import asyncio

from realtime import losses
from realtime.lifespan import lifespan


def test_the_lifespan_starts_and_writes_the_loss_counts_at_shutdown(capsys, monkeypatch):
    monkeypatch.setattr(losses, "started", True)
    monkeypatch.setattr(losses, "losses", losses.Losses(lost_events=4, gaps=2, late_events=1))
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, str]] = []

    async def receive() -> dict[str, str]:
        return incoming.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message)

    asyncio.run(lifespan({"type": "lifespan"}, receive, send))

    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    written = losses.LINE.search(capsys.readouterr().err)
    assert written is not None
    assert written.groupdict() == {"lost": "4", "gaps": "2", "late": "1", "slow_socket_closes": "0"}
