"""Message search: a query parsed once (query.py), run by the database's own full-text index (sqlite.py:
FTS5 with the trigram tokenizer; postgres.py: a tsvector GIN index plus pg_trgm), results shown with an
escaped, highlighted snippet (snippets.py). Only messages the searcher can read are ever looked at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connection, models

from messaging.models import Message
from messaging.search import postgres, sqlite
from messaging.search.query import Query
from rooms.models import Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 20


def readable_rooms(user: User, query: Query) -> list[int]:
    """Ids of the rooms whose messages this user may find: open rooms, and private rooms and conversations
    they are a member of; narrowed to one by `in:#room` (a room they cannot read matches nothing, exactly
    like a room that does not exist)."""
    rooms = Room.objects.filter(models.Q(kind=Room.Kind.OPEN) | models.Q(memberships__user=user))
    if query.room is not None:
        rooms = rooms.exclude(kind=Room.Kind.DIRECT).filter(
            models.Q(slug__iexact=query.room) | models.Q(name__iexact=query.room)
        )
    return sorted(set(rooms.values_list("id", flat=True)))


def author_id(query: Query) -> int | None:
    if query.author is None:
        return None
    found = get_user_model().objects.filter(username__iexact=query.author).values_list("pk", flat=True)
    return found.first()


def find(user: User, query: Query, before: int | None = None, size: int = PAGE_SIZE) -> list[Message]:
    """The newest `size` messages matching `query` that `user` can read, with ids below `before`: one page
    of results (keyset paging: any page costs the same)."""
    if not query.runnable:
        return []
    rooms = readable_rooms(user, query)
    author = author_id(query)
    if not rooms or (query.author is not None and author is None):
        return []
    backend = postgres if connection.vendor == "postgresql" else sqlite
    ids = backend.matching_ids(query, rooms, author, before, size)
    found = (
        Message.objects.filter(pk__in=ids)
        .select_related("author__profile", "room")
        .defer("author__profile__avatar")
    )
    by_id = {message.pk: message for message in found}
    return [by_id[pk] for pk in ids if pk in by_id]
