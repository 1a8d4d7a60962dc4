"""The one launcher of real server processes, shared by the benchmark, the attacks and the test suite.

Each server is started the way it is deployed (production settings, on loopback), optionally pinned to a CPU
so that a client on the same machine gets a core of its own.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from realtime.losses import LINE as LOSSES

ROOT = Path(__file__).resolve().parents[1]
APP = "site_config.asgi:application"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def cpu_seconds(stat: Path) -> float:
    """User + system CPU time from a /proc stat file: a whole process's, or one of its threads'."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def losses(server: Server) -> dict[str, int] | None:
    """The last loss counts a stopped server wrote (realtime/losses.py), or None (it keeps none)."""
    found = list(LOSSES.finditer(server.log.read_text(errors="replace")))
    return {key: int(value) for key, value in found[-1].groupdict().items()} if found else None


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
    """Members of `room`, already signed in, in the database of `env` (named explicitly: see prepare.py)."""
    command = [sys.executable, "-m", "benchmarks.prepare", "--database-url", env["DATABASE_URL"]]
    command += ["--room", room, "--users", str(users), "--prefix", prefix]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def command(kind: str, port: int) -> list[str]:
    """How each kind of server is started: daphne and uvicorn with the options of `make run`."""
    if kind == "daphne":
        return [
            sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port),
            "--websocket_timeout", "-1", APP,
        ]  # fmt: skip
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
            "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--ws-max-size", "1048576",
            "--no-proxy-headers",
            "--log-level", "warning", APP,
        ]  # fmt: skip
    if kind == "baseline":
        return [sys.executable, "-m", "benchmarks.baseline", str(port)]
    raise ValueError(kind)


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

    def loop_cpu_seconds(self) -> float:
        """CPU time of the process's main thread, where the event loop runs (database work and other
        threads are not counted)."""
        return cpu_seconds(Path(f"/proc/{self.pid}/task/{self.pid}/stat"))

    def kill(self) -> None:
        """Like a crash: no disconnect handlers run, presence rows stay behind."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def start(
    kind: str,
    env: dict[str, str],
    log: Path,
    *,
    port: int | None = None,
    cpu: int | None = None,
    cwd: Path = ROOT,
    timeout: float = 30,
) -> Server:
    """Starts a server of `kind` from the project tree `cwd`, appending its output to `log`; returns once it
    answers (the login page with 200, or the baseline's TCP port)."""
    port = port or free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            command(kind, port), cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    if cpu is not None:
        os.sched_setaffinity(process.pid, {cpu})
    server = Server(kind, process, port, log)
    try:
        wait_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def wait_ready(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} exited: {server.log.read_text(errors='replace')[-3000:]}")
        try:
            if server.kind == "baseline":
                socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                return
            with urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(
        f"{server.kind} did not answer in {timeout}s: {server.log.read_text(errors='replace')[-3000:]}"
    )
