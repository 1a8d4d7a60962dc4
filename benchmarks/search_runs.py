"""`make bench`'s search and history step: benchmarks/search.py on a temporary SQLite file and, when the
machine's PostgreSQL answers, on a database made for the run and dropped after it."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import servers

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def postgres_database(server_url: str) -> Iterator[str | None]:
    try:
        import psycopg

        admin = psycopg.connect(
            server_url.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=3
        )
    except Exception:
        yield None
        return
    name = f"chat_bench_search_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_one(database_url: str, messages: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.search",
        "--database-url",
        database_url,
        "--messages",
        str(messages),
    ]
    # Production settings (debug off, as the servers of the fan-out benchmark), nothing of the caller's.
    env = servers.production_env(database_url, DJANGO_ALLOWED_HOSTS="testserver")
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(f"the search benchmark failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run_all(messages: int, postgres_url: str) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="chat-bench-search-") as tmp:
        results.append(run_one(f"sqlite:///{tmp}/search.sqlite3", messages))
    with postgres_database(postgres_url) as database_url:
        if database_url is not None:
            results.append(run_one(database_url, messages))
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "",
        "| database | messages | index build s | index MB | common word p50/p99 ms | rare word "
        "| partial word | phrase | history page p50/p99 ms (newest, middle, oldest) "
        "| queries per page (search, history) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, h = r["search"], r["history"]

        def pair(d: dict[str, Any]) -> str:
            return f"{d['p50_ms']:.0f}/{d['p99_ms']:.0f}"

        lines.append(
            f"| {r['database']} | {r['messages']:,} | {r['index_build_s']:.0f} | {r['index_mb']:.0f} | "
            f"{pair(s['common word'])} | {pair(s['rare word'])} | {pair(s['partial word'])} | "
            f"{pair(s['phrase'])} | {', '.join(pair(h[d]) for d in ('newest', 'middle', 'oldest'))} | "
            f"{s['common word']['queries']}, {h['oldest']['queries']} |"
        )
    return "\n".join(lines)
