"""What a search box's text asks for: words and "quoted phrases" (every one must appear), `in:#room`,
`from:@user`. Nothing the searcher types reaches the database as query syntax: each word or phrase is matched
as literal text, so FTS operators (`AND`, `NEAR(`, `*`, `-`, `^`, unbalanced quotes) are just characters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from messaging import text

# A word shorter than this is too short to look for alone (a one-letter search would match everything).
MIN_TERM = 2
TOKEN = re.compile(r'(?P<key>in|from):(?P<value>\S+)|"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)', re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[str, ...] = ()
    room: str | None = None
    author: str | None = None
    ignored: tuple[str, ...] = field(default=())  # words too short to look for

    @property
    def runnable(self) -> bool:
        return bool(self.terms) or self.room is not None or self.author is not None


def clean(raw: str) -> str:
    """No control characters, no bidi overrides, nothing no database can store; runs of space as one."""
    kept = "".join(char for char in text.normalize(raw) if text.unstorable(char) is None)
    return " ".join(kept.split())


def parse(raw: str) -> Query:
    cleaned = clean(raw)
    terms: list[str] = []
    ignored: list[str] = []
    room = author = None
    for match in TOKEN.finditer(cleaned):
        key, value = match.group("key"), match.group("value")
        if key and key.lower() == "in" and value.lstrip("#"):
            room = value.lstrip("#")
            continue
        if key and key.lower() == "from" and value.lstrip("@"):
            author = value.lstrip("@")
            continue
        term = " ".join((match.group("phrase") or match.group("word") or match.group(0)).split())
        if not term:
            continue
        if len(term) < MIN_TERM:
            ignored.append(term)
        elif term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return Query(cleaned, tuple(terms), room, author, tuple(ignored))
