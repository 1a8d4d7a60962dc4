"""PostgreSQL: full-text search on a GIN index of `to_tsvector('simple', body)` for whole words and phrases,
and pg_trgm's GIN index for parts of words (migration 0006); a message matches a term by either. Both
indexes are partial (live messages only), so deleted messages are never found.

Text search drops punctuation ("100%" would find "100 percent"): a term with anything but letters, digits and
spaces is matched literally, by the trigram index alone, as SQLite does.

Newest first, in two steps, because no one plan suits every word: walking the id index backwards finds a
common word at once but reads the whole table for a rare one (2 s at 1,000,000 messages), while the GIN
indexes find a rare word at once but must fetch and re-check every row of a common one (0.5 s). So the newest
RECENT messages are read first, matched by LIKE (cheap per row); only if they hold less than a page do the
indexes look further back, and then the word is rare enough for them (docs/measurements.md)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

from messaging.search.query import Query
from messaging.search.sqlite import like_pattern

VECTOR = "to_tsvector('simple'::regconfig, m.body)"
WORDS = re.compile(r"[^\W_]+( [^\W_]+)*")
RECENT = 20_000


def term_matches(terms: tuple[str, ...]) -> tuple[list[str], list[Any]]:
    """Each term through the indexes: words and phrases by either index, anything else literally."""
    clauses: list[str] = []
    params: list[Any] = []
    for term in terms:
        if WORDS.fullmatch(term):
            clauses.append(f"({VECTOR} @@ phraseto_tsquery('simple'::regconfig, %s) OR m.body ILIKE %s)")
            params += [term, like_pattern(term)]
        else:
            clauses.append("m.body ILIKE %s")
            params.append(like_pattern(term))
    return clauses, params


def matching_ids(
    query: Query, rooms: list[int], author: int | None, before: int | None, size: int
) -> list[int]:
    # Only the constant clauses below are joined into the SQL; everything the searcher typed is a parameter.
    scope = ["m.room_id = ANY(%s)", "m.deleted_at IS NULL"]
    scope_params: list[Any] = [rooms]
    if author is not None:
        scope.append("m.author_id = %s")
        scope_params.append(author)
    if before is not None:
        scope.append("m.id < %s")
        scope_params.append(before)
    in_scope = " AND ".join(scope)
    window = f"SELECT m.id, m.body FROM messaging_message m WHERE {in_scope} ORDER BY m.id DESC LIMIT %s"  # noqa: S608
    likes = " AND ".join(["m.body ILIKE %s" for _ in query.terms] or ["TRUE"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.id FROM ({window}) m WHERE {likes} ORDER BY m.id DESC LIMIT %s",  # noqa: S608
            [*scope_params, RECENT, *[like_pattern(term) for term in query.terms], size],
        )
        found = [row[0] for row in cursor.fetchall()]
        if len(found) == size or not query.terms:
            return found
        cursor.execute(f"SELECT min(m.id), count(*) FROM ({window}) m", [*scope_params, RECENT])  # noqa: S608
        floor, seen = cursor.fetchone()
        if seen < RECENT:  # the window held every message in scope
            return found
        matches, match_params = term_matches(query.terms)
        # MATERIALIZED: the matches come from the text indexes first, then are narrowed and ordered.
        cursor.execute(
            "WITH matched AS MATERIALIZED (SELECT m.id, m.room_id, m.author_id, m.deleted_at "  # noqa: S608
            f"FROM messaging_message m WHERE m.deleted_at IS NULL AND m.id < %s AND {' AND '.join(matches)}) "
            f"SELECT m.id FROM matched m WHERE {in_scope} ORDER BY m.id DESC LIMIT %s",
            [floor, *match_params, *scope_params, size - len(found)],
        )
        return found + [row[0] for row in cursor.fetchall()]
