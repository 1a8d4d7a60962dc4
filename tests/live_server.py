"""Real daphne processes for browser and multi-process tests: the app as it is deployed, on a free port."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from messaging.benchmark.servers import ROOT, free_port, manage, production_env

__all__ = ["ROOT", "LiveServer", "free_port", "migrate", "server_env"]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings; the suite signs many people up from one address, so the per-address sign-up and
    login throttles are off unless a test sets them."""
    return production_env(
        database_url, **{"CHAT_SIGNUPS_PER_HOUR": "0", "CHAT_LOGINS_PER_HOUR": "0", **extra}
    )


def migrate(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput", "-v0")


class LiveServer:
    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> LiveServer:
        command = [
            sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(self.port),
            "--websocket_timeout", "-1", "site_config.asgi:application",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not answer in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """Like a crash: no disconnect handlers run, presence rows stay behind."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
