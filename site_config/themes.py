"""Where a theme's files are: CHAT_THEME_DIRS entries turned into template and static directories.

An entry is either a theme root holding `templates/` and/or `static/` (themes/example in this repository), or,
as before themes had static files, a plain directory of templates.
"""

from __future__ import annotations

from pathlib import Path


def theme_dirs(entries: list[str], base: Path) -> tuple[list[Path], list[Path]]:
    """(template dirs, static dirs), in the order given: the first theme listed wins over the next. A relative
    entry ("themes/example") is relative to `base`, the project's root, wherever the server was started."""
    templates: list[Path] = []
    static: list[Path] = []
    for entry in entries:
        root = base / Path(entry).expanduser()
        if (root / "templates").is_dir() or (root / "static").is_dir():
            if (root / "templates").is_dir():
                templates.append(root / "templates")
            if (root / "static").is_dir():
                static.append(root / "static")
        else:
            templates.append(root)
    return templates, static
