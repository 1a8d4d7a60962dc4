"""axe-core (vendored, tests/e2e/vendor) run inside a Playwright page: WCAG 2.0-2.2 A/AA and best practice."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


@cache
def source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """Evaluated over the DevTools protocol, which the page's CSP does not govern (an injected <script> would
    be refused by it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source())
    found: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        TAGS,
    )
    return found


def summary(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({len(violation['nodes'])}): {violation['help']} at {targets}")
    return "\n".join(lines)
