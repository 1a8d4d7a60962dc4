"""The suite's own guards: a test that leaves the shared database thread busy fails, by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = "database_thread_left_free"

BLOCKING_TESTS = """
import threading

from asgiref.sync import SyncToAsync

release = threading.Event()


def test_leaves_the_thread_busy():
    SyncToAsync.single_thread_executor.submit(release.wait, 30)


def test_runs_afterwards_on_a_fresh_thread():
    try:
        assert SyncToAsync.single_thread_executor.submit(lambda: 42).result(timeout=5) == 42
    finally:
        release.set()
"""


def test_a_test_that_leaves_the_database_thread_busy_fails_by_name(tmp_path):
    test_file = tmp_path / "test_blocking.py"
    test_file.write_text(BLOCKING_TESTS)
    (tmp_path / "conftest.py").write_text(f"from tests.conftest import {FIXTURE}  # noqa: F401\n")

    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
    result = subprocess.run(
        [*command, "--rootdir", str(ROOT), str(test_file)],
        cwd=ROOT,
        env={**os.environ, "TEST_DATABASE_THREAD_GRACE_SECONDS": "0.5"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "ERROR at teardown of test_leaves_the_thread_busy" in output, output
    assert "::test_leaves_the_thread_busy left asgiref's shared database thread busy" in output, output
    assert "2 passed, 1 error" in output, output
