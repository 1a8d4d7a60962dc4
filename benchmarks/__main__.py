"""`make bench` (`python -m benchmarks`): the fan-out benchmark, against the product as deployed and a bare
broadcast server. See README, "Benchmark"."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import search_runs
from benchmarks.report import add_ratios, cpu_split, summarize, table
from benchmarks.run import Plan
from benchmarks.scenarios import SCENARIOS, run_scenario


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure fan-out, latency, memory per socket and ingest of the chat; compare with a bare "
        "server.",
    )
    parser.add_argument(
        "--scenarios",
        default="baseline,uvicorn-memory,uvicorn-memory-storm,daphne-memory,daphne-redis,daphne-redis-2proc",
        help=f"comma-separated, from: {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--rates", default="5,10,20,30,40", help="messages per second, one step each")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--ingest-senders", type=int, default=50)
    parser.add_argument("--ingest-seconds", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; medians are reported")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"))
    parser.add_argument(
        "--search-messages",
        type=int,
        default=1_000_000,
        help="messages seeded for the search step (0: skip it)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a server where the search step may create (and then drop) a database of its own",
    )
    parser.add_argument("--json", dest="json_path", default="")
    return parser


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def formatting_throughput() -> float:
    """Messages a second one core formats (benchmarks/formatting.py), in a process of its own."""
    command = [sys.executable, "-m", "benchmarks.formatting"]
    result = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    )
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    options = arguments().parse_args(argv)
    names = [name.strip() for name in options.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        arguments().error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    plan = Plan(
        clients=options.clients,
        senders=options.senders,
        rates=[int(rate) for rate in options.rates.split(",")],
        seconds=options.seconds,
        ingest_senders=options.ingest_senders,
        ingest_seconds=options.ingest_seconds,
    )
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "cpu_split": cpu_split(),
        "plan": plan.__dict__,
        "scenarios": {},
    }
    for name in names:
        runs = [run_scenario(name, plan, options.redis_url) for _ in range(options.repeat)]
        results["scenarios"][name] = summarize(runs)
        print(f"{name}: done", flush=True)
    add_ratios(results["scenarios"])
    results["formatting_per_s"] = formatting_throughput()
    if options.search_messages:
        results["search"] = search_runs.run_all(options.search_messages, options.postgres_url)
    print(table(results))
    if results.get("search"):
        print(search_runs.table(results["search"]))
    path = Path(options.json_path or f"bench-results/bench-{datetime.now(UTC):%Y%m%d-%H%M%S}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"JSON written to {path}")


if __name__ == "__main__":
    main()
