"""How many broadcasts (posts, edits, reactions) each person made since a moment: the flood limit's count.

It runs once per stored batch, for every author in it. Written with the ORM (three correlated COUNT
subqueries, annotated on the users) it cost 1.4 ms per batch of 20 authors, nearly all of it building and
compiling the query in Python; this statement is built from the models' own table and column names and costs
0.08 ms (docs/measurements.md, "Ingest"). Each part is a range scan of an (author, time) index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime

from django.db import connection, models

from messaging.models import Message, Reaction, Revision

# Each kind of broadcast: its model, who made it, when.
COUNTED: tuple[tuple[type[models.Model], str, str], ...] = (
    (Message, "author", "created_at"),
    (Revision, "editor", "replaced_at"),
    (Reaction, "user", "created_at"),
)


def column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


def sent_since(user_ids: Collection[int], since: datetime) -> Counter[int]:
    if not user_ids:
        return Counter()
    ids = list(user_ids)
    marks = ", ".join(["%s"] * len(ids))
    moment = connection.ops.adapt_datetimefield_value(since)
    parts, params = [], []
    for model, who, when in COUNTED:
        person, time = column(model, who), column(model, when)
        parts.append(
            f"SELECT {person}, COUNT(*) FROM {model._meta.db_table} "  # noqa: S608 - names from the models
            f"WHERE {person} IN ({marks}) AND {time} >= %s GROUP BY {person}"
        )
        params += [*ids, moment]
    counts: Counter[int] = Counter()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for user_id, count in cursor.fetchall():
            counts[user_id] += count
    return counts
