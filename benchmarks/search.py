"""Search and history at scale: seeds a database with messages over many rooms, builds the search index and
times, in-process through Django's test client (server time, no network), searches and `?before=` history
pages.

    python -m benchmarks.search --database-url sqlite:////tmp/search.sqlite3 --messages 1000000
    python -m benchmarks.search --database-url postgres://postgres@127.0.0.1:5432/chat_bench_search

Writes only to the database named (it must be empty: it is migrated here). `make bench` runs it on a
temporary SQLite file and, when the machine's PostgreSQL answers, on a database it creates and drops
(benchmarks/__main__.py). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.run import percentile

ROOMS = 100
PEOPLE = 50
BATCH = 20_000
# Searches a team makes: a word in a tenth of messages, one in a few dozen, part of a word, a phrase.
QUERIES = {
    "common word": "deploy",
    "rare word": "kumquat",
    "partial word": "ploym",
    "phrase": '"release notes"',
}
RARE_EVERY = 20_000  # one message in this many says the rare word
TIMED = 100


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    made = {"".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(5_000)}
    return sorted(made - {"kumquat"})


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    said = rng.choices(words, k=rng.randint(4, 16))
    if n % 10 == 0:
        said.insert(rng.randrange(len(said)), rng.choice(["deploy", "deploying", "deployment"]))
    if n % 50 == 0:
        said.append("release notes")
    if n % RARE_EVERY == 7:
        said.insert(1, "kumquat")
    return " ".join(said)


def seed(count: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from rooms.models import Room

    rng = random.Random(42)
    words = vocabulary(rng)
    people = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"person{n}", password="!") for n in range(PEOPLE)]
    )
    rooms = Room.objects.bulk_create([Room(name=f"room {n}", slug=f"room-{n}") for n in range(ROOMS)])
    sqlite = connection.vendor == "sqlite"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if sqlite:  # index once at the end, timed on its own, instead of row by row
            cursor.execute("DROP TRIGGER messaging_message_fts_insert")
        else:
            cursor.execute("DROP INDEX message_body_words")
            cursor.execute("DROP INDEX message_body_trigrams")
    start = datetime.now(UTC) - timedelta(days=365)
    sql = (
        "INSERT INTO messaging_message (room_id, author_id, body, body_html, created_at) "
        "VALUES (%s, %s, %s, %s, %s)"
    )
    for first in range(0, count, BATCH):
        rows = []
        for n in range(first, min(count, first + BATCH)):
            body = sentence(rng, words, n)
            when = start + timedelta(seconds=n * 30)
            rows.append((rooms[n % ROOMS].pk, people[n % PEOPLE].pk, body, f"<p>{body}</p>", when))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    inserted = time.perf_counter() - started
    before = database_bytes()
    started = time.perf_counter()
    index = importlib.import_module("messaging.migrations.0006_search_index")
    with connection.cursor() as cursor:
        for statement in (
            [index.SQLITE_FILL, index.SQLITE_INSERT_TRIGGER]
            if sqlite
            else [*index.POSTGRES_INDEXES, "ANALYZE messaging_message"]
        ):
            cursor.execute(statement)
    built = time.perf_counter() - started
    return {
        "messages": count,
        "rooms": ROOMS,
        "insert_s": round(inserted, 1),
        "index_build_s": round(built, 1),
        "index_mb": round((database_bytes() - before) / 1e6, 1),
        "reader": people[0].pk,
        "room": rooms[0].slug,
    }


def database_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int(pages * cursor.fetchone()[0])
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def timed(client: Any, url: str, params: dict[str, str]) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(TIMED):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times, len(queries)


def percentiles(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(times, 0.5), 1), "p99_ms": round(percentile(times, 0.99), 1)}


def measure(seeded: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from messaging.models import Message

    client = Client()
    client.force_login(get_user_model().objects.get(pk=seeded["reader"]))
    searches = {}
    for kind, q in QUERIES.items():
        times, queries = timed(client, "/search/", {"q": q})
        searches[kind] = percentiles(times) | {"queries": queries}
    room_ids = list(
        Message.objects.filter(room__slug=seeded["room"]).order_by("id").values_list("id", flat=True)
    )
    history = {}
    for depth, index in (("newest", len(room_ids) - 60), ("middle", len(room_ids) // 2), ("oldest", 60)):
        times, queries = timed(client, f"/rooms/{seeded['room']}/", {"before": str(room_ids[index])})
        history[depth] = percentiles(times) | {"queries": queries}
    return {"search": searches, "history": history}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="an empty database: the only one written to")
    parser.add_argument("--messages", type=int, default=1_000_000)
    options = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.prepare import ensure_database

    ensure_database(options.database_url)
    call_command("migrate", verbosity=0)
    seeded = seed(options.messages)
    result = {"database": django.db.connection.vendor, **seeded, **measure(seeded)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
