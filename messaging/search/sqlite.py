"""SQLite: an FTS5 index of message bodies with the trigram tokenizer, so a word matches inside longer words
and Chinese, Japanese or Korean text (no spaces between words) is found too. Triggers keep it in step with the
messages (created, edited, deleted; migration 0006), so only live messages are in it.

The trigram index can only look up terms of three characters or more: shorter ones (two-character CJK words,
"go") are matched with LIKE on the rows the index found, or by a scan of the readable rooms when every term is
short."""

from __future__ import annotations

from typing import Any

from django.db import connection

from messaging.search.query import Query

TABLE = "messaging_message_fts"
INDEXED = 3  # the trigram tokenizer's shortest searchable term


def fts_string(term: str) -> str:
    """One term as an FTS5 string: matched as literal text, whatever operators it looks like."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_ids(
    query: Query, rooms: list[int], author: int | None, before: int | None, size: int
) -> list[int]:
    # Only the constant clauses below are joined into the SQL; everything the searcher typed is a parameter.
    indexed = [term for term in query.terms if len(term) >= INDEXED]
    short = [term for term in query.terms if len(term) < INDEXED]
    where = [f"m.room_id IN ({','.join('%s' for _ in rooms)})", "m.deleted_at IS NULL"]
    params: list[Any] = list(rooms)
    if author is not None:
        where.append("m.author_id = %s")
        params.append(author)
    for term in short:
        where.append("m.body LIKE %s ESCAPE '\\'")
        params.append(like_pattern(term))
    if indexed:
        # Newest first straight from the index (FTS5 walks rowids backwards), joined to the live row.
        if before is not None:
            where.append("f.rowid < %s")
            params.append(before)
        clauses = " AND ".join(where)
        sql = (
            f"SELECT f.rowid FROM {TABLE} f JOIN messaging_message m ON m.id = f.rowid "  # noqa: S608
            f"WHERE {TABLE} MATCH %s AND {clauses} ORDER BY f.rowid DESC LIMIT %s"
        )
        params = [" ".join(fts_string(term) for term in indexed), *params, size]
    else:
        if before is not None:
            where.append("m.id < %s")
            params.append(before)
        clauses = " AND ".join(where)
        sql = f"SELECT m.id FROM messaging_message m WHERE {clauses} ORDER BY m.id DESC LIMIT %s"  # noqa: S608
        params.append(size)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
