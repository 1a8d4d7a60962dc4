"""The benchmark's summaries: medians over repeated runs, the sustained rate, and the printed tables."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks import servers
from benchmarks.scenarios import P99_TARGET_MS


def cpu_split() -> str:
    """Where the single-process run puts the server and the client (an N-process run describes its own)."""
    available = servers.cpus()
    if len(available) >= 2:
        pinned = f"server pinned to CPU {available[0]}, client to CPU {available[1]}"
        return pinned + " (two server processes: nothing pinned)"
    return "server and client share one CPU"


def sustained(steps: list[dict[str, Any]]) -> float:
    """The highest delivery rate reached with everything delivered and p99 under target."""
    good = [
        s["deliveries_per_s"] for s in steps if s["delivery_ratio"] >= 0.999 and s["p99_ms"] <= P99_TARGET_MS
    ]
    return max(good, default=0.0)


def median_of(values: list[Any]) -> Any:
    """The median of numbers, or position by position of lists (one figure per server process)."""
    if values and isinstance(values[0], list):
        return [statistics.median(column) for column in zip(*values, strict=False)]
    return statistics.median(values)


def per_process(values: list[float] | None) -> str:
    """Per-process CPU shares as "0.91 / 0.88" ("-" when not measured)."""
    if not values:
        return "-"
    return " / ".join(f"{value:.2f}" for value in values)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(get: Any) -> float:
        values = [v for v in (get(run) for run in runs) if v is not None]
        return float(statistics.median(values)) if values else float("nan")

    if "storm" in runs[0]:
        storms = [run["storm"] for run in runs]
        numeric = [key for key, value in storms[0].items() if isinstance(value, int | float)]
        storm = {key: statistics.median(s[key] for s in storms) for key in numeric}
        storm["loop_cpu"] = statistics.median(max(s["loop_cpu"]) for s in storms)
        return {"runs": len(runs), "clients": runs[0]["clients"], "storm": storm}

    by_rate: dict[int, list[dict[str, Any]]] = {}
    for run in runs:
        for step in run["steps"]:
            by_rate.setdefault(step["rate"], []).append(step)
    steps = [
        {key: median_of([step.get(key, float("nan")) for step in group]) for key in group[0]}
        for _, group in sorted(by_rate.items())
    ]
    summary: dict[str, Any] = {
        "runs": len(runs),
        "clients": runs[0]["clients"],
        "connect_p50_ms": median(lambda r: r["connect_p50_ms"]),
        "connect_p99_ms": median(lambda r: r["connect_p99_ms"]),
        "connect_all_s": median(lambda r: r["connect_all_s"]),
        "rss_idle_kb_per_socket": median(lambda r: r["rss_idle_kb_per_socket"]),
        "sustained_deliveries_per_s": median(lambda r: sustained(r["steps"])),
        "steps": steps,
    }
    for key in ("processes", "client_processes", "placement"):
        if key in runs[0]:
            summary[key] = runs[0][key]
    if all("losses" in run for run in runs):
        summary["lost_events"] = sum(run["losses"]["lost"] for run in runs)
        summary["late_events"] = sum(run["losses"]["late"] for run in runs)
    if "settle_s" in runs[0]:
        summary["settle_s"] = median(lambda r: r["settle_s"])
    if "connect_failures" in runs[0]:
        summary["connect_failures"] = max(run["connect_failures"] for run in runs)
    if "ingest" in runs[0]:
        summary["ingest_stored_per_s"] = median(lambda r: r["ingest"]["stored_per_s"])
        summary["ingest_fan_out_ratio"] = median(lambda r: r["ingest"]["fan_out_ratio"])
        summary["page_render_ms"] = median(lambda r: r["page_render_ms"])
    return summary


def lost_late(summary: dict[str, Any]) -> str:
    if "lost_events" not in summary:
        return "-"  # the bare server keeps no count
    return f"{summary['lost_events']} / {summary['late_events']}"


def add_ratios(scenarios: dict[str, Any]) -> None:
    """Each scenario against the bare server of the same run: sustained rate, and p99 at each rate."""
    baseline = scenarios.get("baseline", {})
    ceiling = baseline.get("sustained_deliveries_per_s")
    bare_p99 = {step["rate"]: step["p99_ms"] for step in baseline.get("steps", [])}
    for summary in scenarios.values():
        if ceiling and "sustained_deliveries_per_s" in summary:
            summary["sustained_vs_baseline"] = summary["sustained_deliveries_per_s"] / ceiling
        for step in summary.get("steps", []):
            if bare_p99.get(step["rate"]):
                step["p99_vs_baseline"] = step["p99_ms"] / bare_p99[step["rate"]]


def spread_table(results: dict[str, Any], spread: dict[str, Any]) -> list[str]:
    """The N-process run: one row per scenario and rate, CPU per server process and per client process."""
    placements = sorted({s["placement"] for s in spread.values()})
    lines = [
        f"\nFan-out over server processes, {results['date']}, {results['cores']} cores "
        f"({results.get('cpu_model', '?')}); {'; '.join(placements)}",
        "| scenario | processes | sockets | msg/s | delivered | p50 ms | p99 ms | p99 vs bare "
        "| loop CPU per server process | CPU per client process |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in spread.items():
        for step in summary["steps"]:
            ratio = step.get("p99_vs_baseline")
            lines.append(
                f"| {name} | {summary['processes']} | {summary['clients']:,} | {step['rate']} | "
                f"{step['delivery_ratio']:.2%} | {step['p50_ms']:.0f} | {step['p99_ms']:,.0f} | "
                f"{f'{ratio:.1f}x' if ratio else '-'} | {per_process(step.get('loop_cpus'))} | "
                f"{per_process(step.get('client_cpus'))} |"
            )
    return lines


def table(results: dict[str, Any]) -> str:
    spread = {name: s for name, s in results["scenarios"].items() if "processes" in s}
    fan_outs = {name: s for name, s in results["scenarios"].items() if "steps" in s and name not in spread}
    storms = {name: s["storm"] for name, s in results["scenarios"].items() if "storm" in s}
    lines = spread_table(results, spread) if spread else []
    if fan_outs or not spread:
        lines += [
            f"\nFan-out benchmark, {results['date']}, {results['cores']} cores "
            f"({results.get('cpu_model', '?')}); {results['cpu_split']}",
            "| scenario | rate msg/s | delivered | p50 ms | p99 ms | p99 vs bare | max ms | deliveries/s "
            "| loop CPU |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, summary in fan_outs.items():
            for step in summary["steps"]:
                ratio = step.get("p99_vs_baseline")
                cpus = step.get("loop_cpus")
                shown_cpu = per_process(cpus) if isinstance(cpus, list) else "-"  # nan: the bare server
                lines.append(
                    f"| {name} | {step['rate']} | {step['delivery_ratio']:.2%} | {step['p50_ms']:.0f} | "
                    f"{step['p99_ms']:.0f} | {f'{ratio:.1f}x' if ratio else '-'} | {step['max_ms']:.0f} | "
                    f"{step['deliveries_per_s']:,.0f} | {shown_cpu} |"
                )
    if storms:
        lines += [
            "",
            "| connection storm | sockets | over s | msg/s | delivered | p50 ms | p99 ms | max ms "
            "| presence KB/socket (median, max) | loop CPU |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, st in storms.items():
            lines.append(
                f"| {name} | {st['sockets']:.0f} | {st['connect_seconds']:.1f} | "
                f"{st['messages'] / max(st['connect_seconds'], 1e-9):.0f} | {st['delivery_ratio']:.2%} | "
                f"{st['p50_ms']:.0f} | {st['p99_ms']:.0f} | {st['max_ms']:.0f} | "
                f"{st['presence_kb_per_socket_median']:.1f}, {st['presence_kb_per_socket_max']:.1f} | "
                f"{st['loop_cpu']:.2f} |"
            )
    lines += [
        "",
        "| scenario | clients | sustained deliveries/s | vs baseline | connect p50/p99 ms "
        "| RSS KB/idle socket | ingest msg/s | page render ms | events lost / late |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in {**spread, **fan_outs}.items():
        ratio = s.get("sustained_vs_baseline")
        lines.append(
            f"| {name} | {s['clients']} | {s['sustained_deliveries_per_s']:,.0f} | "
            f"{f'{ratio:.2f}' if ratio is not None else '-'} | "
            f"{s['connect_p50_ms']:.0f}/{s['connect_p99_ms']:.0f} | "
            f"{s['rss_idle_kb_per_socket']:.1f} | {s.get('ingest_stored_per_s', float('nan')):.0f} | "
            f"{s.get('page_render_ms', float('nan')):.1f} | "
            f"{lost_late(s)} |"
        )
    if "formatting_per_s" in results:
        lines.append(
            f"\nFormatting (Markdown + sanitizer, one core): {results['formatting_per_s']:,.0f} messages/s"
        )
    return "\n".join(lines)
