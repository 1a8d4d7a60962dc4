"""What a page's online list shows after htmx applied the pushed fragments, in order (full list, arrivals
appended, leavers deleted, the "and N more" line)."""

from __future__ import annotations

import re

STEP = re.compile(
    r'<ul id="online-users"(?P<attributes>[^>]*)>(?P<items>.*?)</ul>'
    r'|<li id="online-u(?P<gone>\d+)" hx-swap-oob="delete"></li>'
    r'|<p id="online-more"[^>]*>(?P<more>.*?)</p>',
    re.S,
)
PERSON = re.compile(r'<li id="online-u(\d+)"><a href="/people/[^"]+/">([^<]+)</a></li>')


class ShownList:
    def __init__(self, page: str = "") -> None:
        self.people: list[tuple[str, str]] = []
        self.more = ""
        if page:
            self.apply(page, whole_page=True)

    def apply(self, frame: str, whole_page: bool = False) -> None:
        for step in STEP.finditer(frame):
            attributes = step.group("attributes") or ""
            swap = re.search(r'hx-swap-oob="(\w+)"', attributes)
            if step.group("items") is not None and (swap or whole_page):
                people = PERSON.findall(step.group("items"))
                if swap and swap.group(1) == "beforeend":
                    self.people += people
                else:
                    self.people = people
            elif step.group("gone"):
                self.people = [person for person in self.people if person[0] != step.group("gone")]
            elif step.group("more") is not None:
                self.more = step.group("more")

    @property
    def names(self) -> list[str]:
        return [name for _, name in self.people]


def shown_by(frames: list[str]) -> ShownList:
    """The list after these frames (the first may be the whole page as first painted)."""
    shown = ShownList()
    for n, frame in enumerate(frames):
        shown.apply(frame, whole_page=n == 0)
    return shown
