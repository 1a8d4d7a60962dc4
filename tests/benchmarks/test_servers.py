"""The one server launcher (`benchmarks/servers.py`): both servers `make run` can use serve pages and sockets,
and `make run SERVER=uvicorn` installs what uvicorn needs."""

from __future__ import annotations

import subprocess

import pytest

from benchmarks import servers
from tests.live_server import ROOT, migrate, server_env
from tests.ws_client import ChatUser


@pytest.mark.parametrize("kind", ["daphne", "uvicorn"])
async def test_each_server_serves_pages_and_delivers_over_sockets(kind, tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(env)
    server = servers.start(kind, env, tmp_path / f"{kind}.log")
    try:
        alice = ChatUser(server.url, "alice").sign_up()
        bob = ChatUser(server.url, "bob").sign_up()
        alice.open_room("lobby")
        a = await alice.socket("/ws/rooms/lobby/")
        b = await bob.socket("/ws/rooms/lobby/")

        await a.send(body=f"served by {kind}")

        await b.receive_until(f"served by {kind}")
        await a.receive_until('id="composer-reply"')  # stored and acknowledged before the socket goes
        await a.close()
        await b.close()
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / f"{kind}.log").read_text()


def make_dry_run(*variables: str) -> str:
    """Every command `make run` would run from scratch (-B: as if nothing were installed yet)."""
    result = subprocess.run(
        ["make", "-n", "-B", "run", *variables], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_make_run_with_uvicorn_installs_the_uvicorn_requirements_and_daphne_does_not():
    assert "-r requirements/uvicorn.txt" in make_dry_run("SERVER=uvicorn")
    assert "requirements/uvicorn.txt" not in make_dry_run("SERVER=daphne")


def requirements(name: str) -> list[str]:
    """The lines of a requirements file that are not comments, lower-cased."""
    lines = (ROOT / "requirements" / name).read_text().lower().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_runtime_requirements_leave_uvicorn_and_its_websockets_to_their_own_file():
    base, uvicorn, dev = requirements("base.txt"), requirements("uvicorn.txt"), requirements("dev.txt")

    assert not [line for line in base if line.startswith(("uvicorn", "websockets"))]
    assert "-r base.txt" in uvicorn
    assert any(line.startswith("uvicorn==") for line in uvicorn)
    assert any(line.startswith("websockets==") for line in uvicorn)  # what `--ws websockets-sansio` loads
    assert "-r uvicorn.txt" in dev  # the benchmark compares both servers


def test_make_run_serves_with_uvicorn_by_default_and_daphne_on_request():
    default = make_dry_run()

    assert "-r requirements/uvicorn.txt" in default
    assert ".venv/bin/uvicorn" in default
    assert "--ws websockets-sansio" in default
    assert ".venv/bin/daphne" in make_dry_run("SERVER=daphne")
