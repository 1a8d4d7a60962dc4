"""What a display name or a bio may hold.

Refused with a form error rather than silently cleaned, because a person chose these words and should see
what was wrong: NUL and lone surrogates (no database stores them), Unicode non-characters, control characters
(a bio keeps its line breaks), and the bidirectional embeddings, overrides and isolates, which let a name
display in another order than it was written (spoofing someone else's name).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width joiners are kept: emoji sequences and some scripts need them (the rule of room names).
JOINERS = frozenset("\u200c\u200d")


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def refused_character(text: str, allow_newlines: bool = False) -> str | None:
    """The first character that may not be stored, if any."""
    for char in text:
        if allow_newlines and char in "\r\n":
            continue
        category = unicodedata.category(char)
        invisible = category == "Cf" and char not in JOINERS  # zero-width spaces, word joiners, BOMs…
        if char in BIDI_CONTROLS or is_noncharacter(char) or category in {"Cc", "Cs"} or invisible:
            return char
    return None


def check(text: str, allow_newlines: bool = False) -> None:
    char = refused_character(text, allow_newlines)
    if char is not None:
        # The code point, not the character: a lone surrogate cannot even be written into the page.
        raise ValidationError(
            "This contains a character that cannot be used here (U+%(code)04X).",
            code="refused_character",
            params={"code": ord(char)},
        )
