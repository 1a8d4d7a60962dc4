"""What text a message may hold: the rules every way of posting shares (MessageForm applies them).

Decided here (README, "Who gets in"):
- refused with an error: lone surrogates (a str can hold them, no database or UTF-8 can: SQLite's insert
  fails), NUL (PostgreSQL's text refuses it), and Unicode non-characters (U+FDD0-U+FDEF, U+xFFFE/U+xFFFF);
- removed: other control characters but tab and newline (pasted terminal output; nothing to show), and the
  explicit bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which let a
  message display in another order than it was written ("Trojan source" spoofing); the left-to-right and
  right-to-left marks stay, since text mixing scripts needs them;
- refused as empty: text with nothing visible (spaces, zero-width and other format characters, fillers).
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters by category that render as nothing (Hangul fillers, the Mongolian vowel separator, braille blank).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u180e\u2800")
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"})
ALLOWED_CONTROLS = frozenset("\n\t")


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def unstorable(text: str) -> str | None:
    """The first character no message may contain, if any."""
    for char in text:
        if char == "\x00" or unicodedata.category(char) == "Cs" or is_noncharacter(char):
            return char
    return None


def normalize(text: str) -> str:
    """Newlines as \\n; no other control characters, no bidirectional controls."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char
        for char in text
        if char not in BIDI_CONTROLS
        and (char in ALLOWED_CONTROLS or char == "\x00" or unicodedata.category(char) != "Cc")
    )


def has_visible(text: str) -> bool:
    return any(
        unicodedata.category(char) not in INVISIBLE_CATEGORIES and char not in BLANK_LETTERS for char in text
    )
