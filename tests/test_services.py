"""The machine's Redis is shared: each test run claims a database of its own and flushes nothing else. And
whatever a CI system sets CI to, the service tests know they are in CI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests import services

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_server():
    services.require(services.REDIS_URL, "Redis")
    import redis

    claimed: list[str] = []

    def claim_as(run_id: str, monkeypatch: pytest.MonkeyPatch) -> str:
        monkeypatch.setattr(services, "RUN_ID", run_id)
        url = services._claim_database()
        claimed.append(url)
        return url

    yield claim_as
    for url in claimed:  # give the databases back, as a run does when it ends
        client = redis.Redis.from_url(url)
        client.flushdb()
        client.set(services.REDIS_MARK, "1")


@pytest.mark.services
def test_two_runs_at_once_get_different_databases(redis_server, monkeypatch):
    first = redis_server(uuid.uuid4().hex, monkeypatch)
    second = redis_server(uuid.uuid4().hex, monkeypatch)

    assert first != second
    assert first.rsplit("/", 1)[1] not in {"0", "8"}


@pytest.mark.services
def test_a_fresh_database_is_flushed_without_touching_another_runs(redis_server, monkeypatch):
    import redis

    other_run = redis_server(uuid.uuid4().hex, monkeypatch)
    redis.Redis.from_url(other_run).set("their-key", "still here")
    mine = redis_server(uuid.uuid4().hex, monkeypatch)
    monkeypatch.setattr(services, "_claimed", mine)
    redis.Redis.from_url(mine).set("my-leftover", "1")

    assert services.fresh_redis() == mine

    assert redis.Redis.from_url(other_run).get("their-key") == b"still here"
    assert redis.Redis.from_url(mine).get("my-leftover") is None


@pytest.mark.services
def test_a_database_holding_someone_elses_data_is_never_claimed(redis_server, monkeypatch):
    import redis

    first_free = redis_server(uuid.uuid4().hex, monkeypatch)
    client = redis.Redis.from_url(first_free)
    client.flushdb()  # as if someone else's application used it: data, but not the suite's mark
    client.set("someone-elses", "data")
    try:
        claimed = redis_server(uuid.uuid4().hex, monkeypatch)

        assert claimed != first_free
        assert client.get("someone-elses") == b"data"
    finally:
        client.delete("someone-elses")


@pytest.mark.parametrize(("value", "in_ci"), [("true", True), ("1", True), ("yes", True), ("", False)])
def test_any_non_empty_ci_variable_means_ci(value, in_ci):
    result = subprocess.run(
        [sys.executable, "-c", "from tests.services import IN_CI; print(IN_CI)"],
        cwd=ROOT,
        env={**os.environ, "CI": value},
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == str(in_ci)
