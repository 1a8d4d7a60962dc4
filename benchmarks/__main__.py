"""`make bench` (`python -m benchmarks`): the fan-out benchmark, against the product as deployed and a bare
broadcast server. See README, "Benchmark"."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import search_runs
from benchmarks.report import add_ratios, cpu_split, summarize, table
from benchmarks.run import Plan
from benchmarks.scenarios import SCENARIOS, placement_of, run_scenario, spreadable

DEFAULT_SCENARIOS = (
    "baseline,uvicorn-memory,uvicorn-memory-storm,daphne-memory,daphne-redis,daphne-redis-2proc"
)
SPREAD_SCENARIOS = "baseline,uvicorn-redis"


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure fan-out, latency, memory per socket and ingest of the chat; compare with a bare "
        "server.",
    )
    parser.add_argument(
        "--scenarios",
        default=None,
        help=f"comma-separated, from: {', '.join(SCENARIOS)} (default: {DEFAULT_SCENARIOS}; "
        f"with --processes: {SPREAD_SCENARIOS})",
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--rates", default="5,10,20,30,40", help="messages per second, one step each")
    parser.add_argument(
        "--seconds", type=float, default=None, help="length of each step (default 20; with --processes 10)"
    )
    parser.add_argument("--ingest-senders", type=int, default=50)
    parser.add_argument("--ingest-seconds", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; medians are reported")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"))
    parser.add_argument(
        "--search-messages",
        type=int,
        default=None,
        help="messages seeded for the search step (0: skip it; default 1,000,000, with --processes 0)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a server where the search step may create (and then drop) a database of its own",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="the N-process run: N server processes of each scenario sharing its database and Redis layer "
        "(the bare server relays through Redis pub/sub), sockets round-robin over them, all in one room, "
        "opened and followed by client processes; without it, each scenario's own count (1, or 2 for -2proc) "
        "and one client process",
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=None,
        help="client processes of an N-process run (default: the cores left after the servers, less one for "
        "the sender and one for Redis, at least 1)",
    )
    parser.add_argument(
        "--plan-only", action="store_true", help="print where each process and socket would go, and stop"
    )
    parser.add_argument(
        "--plan-cores", type=int, default=None, help="with --plan-only: plan for a machine of this many cores"
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


def plan_text(plan: Plan, names: list[str], cores: list[int] | None = None) -> str:
    machine = f"{len(cores)} cores (as asked)" if cores else f"{os.cpu_count()} cores ({cpu_model()})"
    lines = [f"{machine}; scenarios {', '.join(names)}"]
    if plan.processes is None:
        return "\n".join([*lines, f"single-process run: {cpu_split()}"])
    placement = placement_of(plan, cores)
    shares = ", ".join(f"{share:,}" for share in placement.shares)
    per_server = [len(range(n, plan.clients, placement.servers)) for n in range(placement.servers)]
    return "\n".join(
        [
            *lines,
            f"{placement.servers} server processes, {plan.clients:,} sockets in one room, round-robin: "
            f"{', '.join(f'{count:,}' for count in per_server)} per server process",
            f"sender (this process): {placement.sender_sockets} sockets; {placement.client_processes} client "
            f"processes: {shares} sockets",
            placement.describe(),
        ]
    )


def raise_open_files_limit() -> None:
    """Thousands of sockets per process (servers and client processes inherit the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> None:
    options = arguments().parse_args(argv)
    chosen = options.scenarios or (SPREAD_SCENARIOS if options.processes else DEFAULT_SCENARIOS)
    names = [name.strip() for name in chosen.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        arguments().error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    if options.processes is not None:
        if options.processes < 1:
            arguments().error("--processes must be at least 1")
        single = [name for name in names if not spreadable(name)]
        if single:
            arguments().error(
                f"--processes needs a Redis layer (or the bare server); not for {', '.join(single)}"
            )
    elif options.client_processes is not None:
        arguments().error("--client-processes goes with --processes")
    plan = Plan(
        clients=options.clients,
        senders=options.senders,
        rates=[int(rate) for rate in options.rates.split(",")],
        # An N-process run of 16,000 sockets has to finish in 5 minutes: shorter steps, no search step.
        seconds=options.seconds if options.seconds is not None else (10 if options.processes else 20),
        ingest_senders=options.ingest_senders,
        ingest_seconds=options.ingest_seconds,
        processes=options.processes,
        client_processes=options.client_processes,
    )
    if options.plan_only:
        cores = list(range(options.plan_cores)) if options.plan_cores else None
        print(plan_text(plan, names, cores))
        return
    split = cpu_split() if options.processes is None else placement_of(plan).describe()
    raise_open_files_limit()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "cpu_split": split,
        "plan": plan.__dict__,
        "scenarios": {},
    }
    for name in names:
        runs = [run_scenario(name, plan, options.redis_url) for _ in range(options.repeat)]
        results["scenarios"][name] = summarize(runs)
        print(f"{name}: done", flush=True)
    add_ratios(results["scenarios"])
    results["formatting_per_s"] = formatting_throughput()
    if options.search_messages is None:
        options.search_messages = 0 if options.processes else 1_000_000
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
