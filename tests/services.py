"""The machine's real PostgreSQL and Redis for multi-process tests: skipped where absent, required in CI."""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import pytest

# Any non-empty CI means CI (CI=true, CI=1, CI=yes… as different CI systems set it), as in .ci/run.
IN_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
# The server; each run claims a database number of its own on it (see fresh_redis).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
# Of a default Redis's 16 databases, never 0 (where most things on a machine keep their data) nor 8 (where
# `make bench` runs by default); 9 first, the suite's before each run had its own.
REDIS_DATABASES = [*range(9, 16), *range(1, 8)]
# Marks a database as the suite's (so leftovers of a crashed run may be flushed) and which run holds it now.
REDIS_MARK = "chat-tests:database"
REDIS_CLAIM = "chat-tests:claimed-by"
REDIS_CLAIM_SECONDS = 3600
RUN_ID = uuid.uuid4().hex


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=2):
            return True
    except OSError:
        return False


def require(url: str, what: str) -> None:
    if reachable(url):
        return
    reason = f"{what} is not reachable at {url}"
    if IN_CI:
        pytest.fail(reason + ": service tests must run in CI")
    pytest.skip(reason)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards: tests never touch anyone's data."""
    require(POSTGRES_URL, "PostgreSQL")
    import psycopg

    name = f"chat_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL.replace("postgres://", "postgresql://"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL.replace("postgres://", "postgresql://"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_claimed: str | None = None


def fresh_redis() -> str:
    """An empty Redis database that belongs to this test run alone: two runs on one machine (or a developer's
    run next to CI) never flush each other's data, nor anything else kept on that server."""
    global _claimed
    require(REDIS_URL, "Redis")
    import redis

    if _claimed is None:
        _claimed = _claim_database()
        atexit.register(_release, _claimed)
    client = redis.Redis.from_url(_claimed)
    # Something flushed the database (the benchmark test flushes the one it is given): take the claim again.
    client.set(REDIS_CLAIM, RUN_ID, nx=True, ex=REDIS_CLAIM_SECONDS)
    if client.get(REDIS_CLAIM) != RUN_ID.encode():
        raise RuntimeError(f"lost the claim on {_claimed}: another run took it after {REDIS_CLAIM_SECONDS} s")
    client.flushdb()
    _mark(client)
    return _claimed


def _database_url(number: int) -> str:
    return urlparse(REDIS_URL)._replace(path=f"/{number}").geturl()


def _mark(client: Any) -> None:
    client.set(REDIS_MARK, "1")
    client.set(REDIS_CLAIM, RUN_ID, ex=REDIS_CLAIM_SECONDS)


def _claim_database() -> str:
    """The first database that is empty or the suite's own, and that no running test run holds."""
    import redis

    for number in REDIS_DATABASES:
        url = _database_url(number)
        client = redis.Redis.from_url(url)
        try:
            if not client.set(REDIS_CLAIM, RUN_ID, nx=True, ex=REDIS_CLAIM_SECONDS):
                continue  # another run holds it
        except redis.ResponseError:  # the server has fewer databases
            break
        # The suite's from an earlier run, or empty but for the claim just made.
        if client.exists(REDIS_MARK) or client.dbsize() == 1:
            return url
        client.delete(REDIS_CLAIM)  # someone else's data: never touched
    pytest.fail(f"no free Redis database on {REDIS_URL} for this test run (tried {list(REDIS_DATABASES)})")


def _release(url: str) -> None:
    import redis

    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(url)
        if client.get(REDIS_CLAIM) == RUN_ID.encode():
            client.flushdb()
            client.set(REDIS_MARK, "1")
