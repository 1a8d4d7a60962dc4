"""The search and history tests again, on PostgreSQL: the same behaviour from its own indexes (a tsvector GIN
index and pg_trgm) and the same access rules; and the message actions, the title count and a sync's checks
and plan, which are raw SQL. A pytest run of its own, so its database is PostgreSQL from the first
migration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import fresh_postgres_database

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


def test_search_and_history_pass_on_postgresql(tmp_path):
    with fresh_postgres_database() as database_url:
        env = {**os.environ, "TEST_SUITE_DATABASE_URL": database_url}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "addopts=",
                "tests/messaging/test_search.py",
                "tests/messaging/test_history.py",
                # The flood limit's count is one SQL statement of its own (messaging/sent_counts.py).
                "tests/messaging/test_actions.py",
                "tests/messaging/test_reactions.py",
                "tests/messaging/test_edits.py",
                "tests/messaging/test_attention.py",
                # So are a sync's access check and its plan (messaging/sync_queries.py).
                "tests/messaging/test_catchup.py",
                "tests/messaging/test_sync_limits.py",
                "tests/messaging/test_revocation.py",
                "tests/messaging/test_rendered.py",
                # A batch's last messages and mutes (messaging/actions.py, rooms/moderation.py).
                "tests/messaging/test_log.py",
                "tests/rooms/test_mutes.py",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
    assert "skipped" not in run.stdout
