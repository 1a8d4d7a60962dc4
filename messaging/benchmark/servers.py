"""Servers under test, started the way they are deployed, each pinned to a CPU so the client gets its own."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings for a server on loopback (plain HTTP); processes sharing it share a secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "site_config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def prepare(env: dict[str, str], room: str, users: int, prefix: str) -> dict[str, object]:
    """Users already signed in (sessions made directly: hashing 1,000 passwords would dominate the run)."""
    output = manage(env, "bench", "--prepare", "--room", room, "--users", str(users), "--prefix", prefix)
    return dict(json.loads(output.strip().splitlines()[-1]))


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start(kind: str, env: dict[str, str], workdir: Path, cpu: int | None) -> Server:
    port = free_port()
    if kind == "daphne":
        command = [sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port)]
        command += ["--websocket_timeout", "-1", "site_config.asgi:application"]
    elif kind == "uvicorn":
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            "websockets",
        ]
        command += [
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "site_config.asgi:application",
        ]
    elif kind == "baseline":
        command = [sys.executable, "-m", "messaging.benchmark.baseline", str(port)]
    else:
        raise ValueError(kind)
    log = workdir / f"{kind}-{port}.log"
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    if cpu is not None:
        os.sched_setaffinity(process.pid, {cpu})
    server = Server(kind, process, port, log)
    wait_ready(server)
    return server


def wait_ready(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} exited: {server.log.read_text()[-2000:]}")
        try:
            if server.kind == "baseline":
                socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                return
            with urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.kind} did not start: {server.log.read_text()[-2000:]}")
