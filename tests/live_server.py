"""Real daphne processes for browser and multi-process tests: the app as it is deployed, on a free port.

They are started by the benchmark's launcher (`benchmarks/servers.py`), so the suite and `make bench` run the
server the same way.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks import servers
from benchmarks.servers import ROOT, free_port, manage, production_env

__all__ = ["ROOT", "LiveServer", "free_port", "migrate", "server_env"]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings; the suite signs many people up from one address, so the per-address sign-up and
    login throttles are off unless a test sets them, and static files are the working tree's (a `make run`
    leaves a collected copy whose manifest would point pages at its older files)."""
    uncollected = str(ROOT / "tests" / "no-collected-static")
    return production_env(
        database_url,
        **{
            "CHAT_SIGNUPS_PER_HOUR": "0",
            "CHAT_LOGINS_PER_HOUR": "0",
            "DJANGO_STATIC_ROOT": uncollected,
            **extra,
        },
    )


def migrate(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput", "-v0")


class LiveServer:
    """One server (daphne unless `kind` says otherwise) that can be stopped, killed and started again on the
    same port and log."""

    def __init__(
        self, env: dict[str, str], log_path: Path, port: int | None = None, kind: str = "daphne"
    ) -> None:
        self.env = env
        self.kind = kind
        self.port = port or free_port()
        self.log_path = log_path
        self.server: servers.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.server.process if self.server else None

    def start(self, timeout: float = 30) -> LiveServer:
        self.server = servers.start(self.kind, self.env, self.log_path, port=self.port, timeout=timeout)
        return self

    def kill(self) -> None:
        """Like a crash: no disconnect handlers run, presence rows stay behind."""
        if self.server:
            self.server.kill()

    def stop(self) -> None:
        if self.server:
            self.server.stop()
