"""The benchmark stays outside the product: no app imports it, and a deployed site has no command that makes
signed-in users."""

from __future__ import annotations

import ast

from django.core.management import get_commands

from tests.live_server import ROOT

APPS = ["site_config", "messaging", "rooms", "presence", "realtime"]


def imported_modules(path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_app_module_imports_the_benchmarks():
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if any(name == "benchmarks" or name.startswith("benchmarks.") for name in imported_modules(path))
    ]

    assert offenders == []


def test_no_management_command_comes_from_the_benchmark():
    commands = get_commands()

    assert "bench" not in commands
    assert not any(app.startswith("benchmarks") for app in commands.values())
