"""The one rule for room names and slugs: the model's validators, the forms, the views and the admin use it.

A name is 1-80 characters after stripping, of printable text: refused are control characters (Unicode Cc:
NUL, tabs, newlines, escape, DEL, C1), format characters (Cf: bidi embeddings, overrides and isolates, marks,
zero-width space, BOM, soft hyphen, tags) except the zero-width joiners that emoji sequences and some scripts
need (U+200C, U+200D), line and paragraph separators (Zl, Zp), surrogates (Cs: a lone one cannot even be
stored), private-use (Co) and unassigned code points (Cn, which includes the non-characters U+FFFE/U+FFFF).
A listed (open or private) room's slug is its name's ASCII slug; it must not be empty and must not take the
`dm-` shape that one-to-one conversations use.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.text import slugify

NAME_MAX_LENGTH = 80
TOPIC_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 80
DIRECT_SLUG_PREFIX = "dm-"

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})
SLUG_SHAPE = re.compile(r"[-a-zA-Z0-9_]+\Z")
RESERVED_NAME_MESSAGE = "Names starting with “dm-” are reserved for direct messages."
RESERVED_SLUG_MESSAGE = "Addresses starting with “dm-” are reserved for direct messages."


def is_refused_character(character: str) -> bool:
    return (
        unicodedata.category(character) in REFUSED_CATEGORIES and character not in ALLOWED_FORMAT_CHARACTERS
    )


def refused_characters(value: str) -> list[str]:
    return [character for character in value if is_refused_character(character)]


def slug_for(name: str) -> str:
    return slugify(name)[:SLUG_MAX_LENGTH].strip("-_")


def is_reserved_slug(slug: str) -> bool:
    """The shape of a one-to-one conversation's slug, in any case (URLs and slugs are case-sensitive)."""
    return slug.lower().startswith(DIRECT_SLUG_PREFIX)


def validate_room_name(value: str) -> None:
    """Any room's name (the field's validator, so the admin and full_clean apply it too; the field's
    max_length, checked by the same forms and by a database constraint, bounds its length)."""
    stripped = value.strip()
    if not stripped:
        raise ValidationError("Give the room a name.", code="required")
    refuse_invisible(value, "Room names")


def validate_topic(value: str) -> None:
    """A room's topic: one line of printable text (the name's character rule; it may be empty)."""
    refuse_invisible(value, "Topics")


def refuse_invisible(value: str, what: str) -> None:
    refused = refused_characters(value)
    if refused:
        shown = ", ".join(sorted({f"U+{ord(character):04X}" for character in refused}))
        raise ValidationError(
            "%(what)s cannot contain control or invisible formatting characters (%(shown)s).",
            code="invalid_characters",
            params={"what": what, "shown": shown},
        )


def validate_listed_name(value: str) -> None:
    """An open or private room's name: its slug is its address, so it needs one, and not a conversation's."""
    slug = slug_for(value)
    if not slug:
        raise ValidationError("Use at least one letter or digit in the name.", code="no_slug")
    if is_reserved_slug(slug):
        raise ValidationError(RESERVED_NAME_MESSAGE, code="reserved")


def validate_listed_slug(value: str) -> None:
    """An open or private room's slug."""
    if not value or len(value) > SLUG_MAX_LENGTH or not SLUG_SHAPE.match(value):
        raise ValidationError("Not a room address.", code="invalid_slug")
    if is_reserved_slug(value):
        raise ValidationError(RESERVED_SLUG_MESSAGE, code="reserved")


def is_listed_slug(value: str) -> bool:
    """A slug from a URL that an open or private room could have (else the URL is a plain 404)."""
    try:
        validate_listed_slug(value)
    except ValidationError:
        return False
    return True
