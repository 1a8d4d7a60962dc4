"""Behind a reverse proxy (CHAT_TRUSTED_PROXY=1), `make run` serves with proxy headers on, so the login
lockout and the throttles see each client's own address instead of the proxy's one for everybody."""

from __future__ import annotations

import http.cookiejar
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import ROOT, free_port, migrate, server_env
from tests.ws_client import PASSWORD, ChatUser


def make_run_command(*variables: str) -> str:
    """The server command `make run` would start (make -n prints without running anything)."""
    result = subprocess.run(
        ["make", "-n", "run", *variables], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.replace("\\\n", " ")


def server_line(output: str, server: str) -> list[str]:
    line = next(line for line in output.splitlines() if re.search(rf"bin/{server} ", line))
    return shlex.split(line)


@pytest.mark.parametrize("value", ["1", "on", "true"])
def test_a_trusted_proxy_turns_on_proxy_headers_for_both_servers(value):
    daphne = server_line(make_run_command(f"CHAT_TRUSTED_PROXY={value}", "SERVER=daphne"), "daphne")
    uvicorn = server_line(make_run_command(f"CHAT_TRUSTED_PROXY={value}", "SERVER=uvicorn"), "uvicorn")

    assert "--proxy-headers" in daphne
    assert "--proxy-headers" in uvicorn
    assert uvicorn[uvicorn.index("--forwarded-allow-ips") + 1] == "127.0.0.1,::1"


@pytest.mark.parametrize("value", ["", "0", "off"])
def test_without_a_trusted_proxy_forwarded_headers_are_ignored(value):
    daphne = server_line(make_run_command(f"CHAT_TRUSTED_PROXY={value}", "SERVER=daphne"), "daphne")
    uvicorn = server_line(make_run_command(f"CHAT_TRUSTED_PROXY={value}", "SERVER=uvicorn"), "uvicorn")

    assert "--proxy-headers" not in daphne
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told not to.
    assert "--no-proxy-headers" in uvicorn


@pytest.fixture
def proxied_daphne(tmp_path: Path) -> Iterator[str]:
    """daphne started with the exact arguments of `make run CHAT_TRUSTED_PROXY=1`, production settings."""
    port = free_port()
    command = server_line(
        make_run_command("CHAT_TRUSTED_PROXY=1", "SERVER=daphne", "HOST=127.0.0.1", f"PORT={port}"), "daphne"
    )
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(env)
    log = (tmp_path / "daphne.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", *command[1:]], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/accounts/login/", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "daphne.log").read_text()[-3000:]) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def log_in_via_proxy(base_url: str, client_address: str, username: str, password: str) -> int:
    """A login as a proxy forwards it: X-Forwarded-For names the client. Returns the final status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("X-Forwarded-For", client_address)]
    page = opener.open(f"{base_url}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page[:300]
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    try:
        with opener.open(urllib.request.Request(f"{base_url}/accounts/login/", data=data)) as response:  # noqa: S310
            return 302 if response.geturl().endswith("/rooms/") else int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_behind_the_proxy_a_lockout_holds_only_on_the_attackers_address(proxied_daphne):
    ChatUser(proxied_daphne, "alice").sign_up()
    statuses = [log_in_via_proxy(proxied_daphne, "198.51.100.1", "alice", "guess") for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks (CHAT_LOGIN_FAILURE_LIMIT)

    assert log_in_via_proxy(proxied_daphne, "198.51.100.1", "alice", PASSWORD) == 429
    # The real owner, elsewhere, behind the same proxy.
    assert log_in_via_proxy(proxied_daphne, "198.51.100.2", "alice", PASSWORD) == 302
