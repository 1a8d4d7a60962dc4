"""The sign-up and first-run tests again, on PostgreSQL, where their race tests run (two threads need a
database both can lock; the suite's in-memory SQLite cannot): a link's last use and the first administrator
each go to one request only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import fresh_postgres_database

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


def test_sign_up_links_and_the_first_run_hold_under_concurrent_requests_on_postgresql():
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
                "-rs",
                "tests/site_config/test_first_run.py",
                "tests/site_config/test_signup_policy.py",
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
