"""The machine's real PostgreSQL and Redis for multi-process tests: skipped where absent, required in CI."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


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


def fresh_redis() -> str:
    require(REDIS_URL, "Redis")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL
