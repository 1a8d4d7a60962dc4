"""The benchmark's signed-in users are written to the database named with --database-url, and nowhere else."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.prepare import ensure_database
from tests.live_server import ROOT, migrate, server_env


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prepare") / "bench.sqlite3"
    migrate(server_env(f"sqlite:///{path}"))
    return path


def prepare(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.prepare", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(sql).fetchone()[0])


def test_it_writes_to_the_database_it_is_given_even_when_the_environment_names_another(database, tmp_path):
    elsewhere = tmp_path / "elsewhere.sqlite3"
    env = server_env(f"sqlite:///{elsewhere}")
    users_before = count(database, "SELECT COUNT(*) FROM auth_user")

    result = prepare(
        env, "--database-url", f"sqlite:///{database}", "--room", "r", "--users", "3", "--prefix", "p"
    )

    assert result.returncode == 0, result.stderr[-2000:]
    cookies = json.loads(result.stdout.strip().splitlines()[-1])["cookies"]
    assert len(cookies) == 3
    assert all(cookie.startswith("sessionid=") for cookie in cookies)
    assert count(database, "SELECT COUNT(*) FROM auth_user") == users_before + 3
    assert count(database, "SELECT COUNT(*) FROM django_session") >= 3
    assert not elsewhere.exists()  # never even opened


def test_without_a_database_url_it_refuses_and_writes_nothing(database):
    env = server_env(f"sqlite:///{database}")
    users_before = count(database, "SELECT COUNT(*) FROM auth_user")

    result = prepare(env, "--room", "r2", "--users", "3", "--prefix", "q")

    assert result.returncode == 2
    assert "--database-url" in result.stderr
    assert count(database, "SELECT COUNT(*) FROM auth_user") == users_before


def test_it_refuses_when_django_would_connect_to_another_database(tmp_path):
    # The suite's own settings name a database that is not this one, as a settings module ignoring
    # DATABASE_URL would.
    with pytest.raises(SystemExit, match="refusing to write"):
        ensure_database(f"sqlite:///{tmp_path / 'not-this-one.sqlite3'}")
