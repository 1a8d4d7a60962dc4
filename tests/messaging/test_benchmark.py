"""The benchmark runs end to end on a tiny configuration; its figures are not judged here (no timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.live_server import ROOT


def test_the_benchmark_runs_on_a_tiny_configuration_and_writes_its_json(tmp_path):
    output = tmp_path / "bench.json"
    args = "--clients 4 --senders 2 --rates 5 --seconds 1 --ingest-senders 3 --ingest-seconds 1"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--scenarios",
            "baseline,daphne-memory",
            *args.split(),
            "--json",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "| daphne-memory |" in result.stdout
    report = json.loads(output.read_text())
    ours = report["scenarios"]["daphne-memory"]
    assert ours["clients"] == 4
    assert ours["steps"][0]["delivered"] > 0
    assert ours["ingest_stored_per_s"] > 0
    assert "rss_idle_kb_per_socket" in ours
    assert "sustained_vs_baseline" in ours
