"""`python -m benchmarks` runs end to end on a tiny configuration; its figures are not judged here (no timed
tests)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.live_server import ROOT
from tests.services import POSTGRES_URL, fresh_redis, require

TINY = (
    "--clients 4 --senders 2 --rates 5 --seconds 1 --ingest-senders 3 --ingest-seconds 1 --search-messages 0"
)


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", *TINY.split(), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def test_the_benchmark_runs_on_a_tiny_configuration_and_writes_its_json(tmp_path):
    output = tmp_path / "bench.json"

    result = bench("--scenarios", "baseline,daphne-memory", "--json", str(output))

    assert "| daphne-memory |" in result.stdout
    report = json.loads(output.read_text())
    ours = report["scenarios"]["daphne-memory"]
    assert ours["clients"] == 4
    assert ours["steps"][0]["delivered"] > 0
    assert ours["ingest_stored_per_s"] > 0
    assert "rss_idle_kb_per_socket" in ours
    assert "sustained_vs_baseline" in ours


@pytest.mark.services
def test_the_redis_scenarios_deliver_through_both_channels_redis_layers(tmp_path):
    output = tmp_path / "bench.json"

    scenarios = "daphne-redis,daphne-redis-pubsub"
    bench("--scenarios", scenarios, "--redis-url", fresh_redis(), "--json", str(output))

    report = json.loads(output.read_text())
    for scenario in ("daphne-redis", "daphne-redis-pubsub"):
        assert report["scenarios"][scenario]["steps"][0]["delivery_ratio"] == 1.0
        assert report["scenarios"][scenario]["ingest_fan_out_ratio"] == 1.0


def test_the_storm_and_features_scenarios_run_and_report_what_they_measure(tmp_path):
    output = tmp_path / "bench.json"

    result = bench(
        "--scenarios",
        "uvicorn-memory-features,daphne-memory-storm",
        "--clients",
        "8",
        "--rates",
        "10",
        "--json",
        str(output),
    )

    report = json.loads(output.read_text())
    features = report["scenarios"]["uvicorn-memory-features"]["steps"][0]
    assert features["reactions"] == 1
    assert features["delivered"] > 0
    assert 0 < features["loop_cpu"] < 2
    storm = report["scenarios"]["daphne-memory-storm"]["storm"]
    assert storm["sockets"] == 8
    assert storm["delivery_ratio"] == 1.0
    assert storm["presence_kb_per_socket_max"] > 0  # the arrivals' presence fragments were counted
    assert "| connection storm |" in result.stdout
    assert report["formatting_per_s"] > 0
    assert report["cpu_model"]


def test_the_search_step_seeds_both_databases_and_reports_every_query(tmp_path):
    require(POSTGRES_URL, "PostgreSQL")
    output = tmp_path / "bench.json"

    result = bench(
        "--scenarios",
        "baseline",
        "--search-messages",
        "30000",
        "--postgres-url",
        POSTGRES_URL,
        "--json",
        str(output),
    )

    runs = {run["database"]: run for run in json.loads(output.read_text())["search"]}
    assert set(runs) == {"sqlite", "postgresql"}
    for run in runs.values():
        assert run["messages"] == 30000
        assert run["index_mb"] > 0
        assert set(run["search"]) == {"common word", "rare word", "partial word", "phrase"}
        assert all(timing["p50_ms"] > 0 for timing in run["search"].values())
        # Keyset paging: the same queries at any depth.
        assert len({depth["queries"] for depth in run["history"].values()}) == 1
    assert "| sqlite | 30,000 |" in result.stdout
    assert "| postgresql | 30,000 |" in result.stdout


@pytest.mark.services
def test_the_n_process_run_spreads_one_room_over_server_and_client_processes(tmp_path):
    output = tmp_path / "bench.json"

    result = bench(
        "--scenarios", "baseline,uvicorn-redis", "--processes", "2", "--client-processes", "2",
        "--clients", "12", "--redis-url", fresh_redis(), "--json", str(output),
    )  # fmt: skip

    report = json.loads(output.read_text())
    for name in ("baseline", "uvicorn-redis"):  # the bare server relays through Redis pub/sub
        ours = report["scenarios"][name]
        assert (ours["processes"], ours["client_processes"], ours["clients"]) == (2, 2, 12)
        step = ours["steps"][0]
        assert step["delivery_ratio"] == 1.0
        assert len(step["loop_cpus"]) == 2
        assert len(step["client_cpus"]) == 2
    assert "p99_vs_baseline" in report["scenarios"]["uvicorn-redis"]["steps"][0]
    assert "| uvicorn-redis | 2 | 12 | 5 | 100.00% |" in result.stdout
    assert "unpinned" in result.stdout or "pinned: server process i" in result.stdout
