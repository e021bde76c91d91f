"""The benchmark's table (stdout) and its JSON record (bench/results/, not committed)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

TARGET_FIGURE = "All bookings, first page"
TARGET_MS = 300.0


def summary(name: str, full: dict, small: dict) -> dict:
    """Each figure with a long history and a short one, and its ratios to the run's baseline."""
    small_by_name = {t.name: t for t in small["timings"]}
    baseline = full["timings"][0]
    rows = []
    for timing in full["timings"]:
        without = small_by_name.get(timing.name)
        rows.append(
            {
                "figure": timing.name,
                "runs": len(timing.runs),
                "median_ms": round(timing.median_ms, 2),
                "best_ms": round(timing.best_ms, 2),
                "small_median_ms": round(without.median_ms, 2) if without else None,
                "ratio_to_small": round(timing.median_ms / without.median_ms, 2)
                if without
                else None,
                "ratio_to_baseline": round(timing.median_ms / baseline.median_ms, 1),
            }
        )
    target = next(r for r in rows if r["figure"] == TARGET_FIGURE)
    return {
        "database": name,
        "load_seconds": full["load_seconds"],
        "figures": rows,
        "target": {
            "figure": TARGET_FIGURE,
            "goal_ms": TARGET_MS,
            "median_ms": target["median_ms"],
            "met": target["median_ms"] < TARGET_MS,
        },
    }


def print_table(result: dict, args) -> None:
    print(
        f"\n{result['database']}: {args.people:,} people, {args.bookings:,} bookings, "
        f"{args.machines} machines (loaded in {result['load_seconds']} s); "
        f"server time, median of {args.runs} runs"
    )
    print(
        f"small = the same lab with {args.small_bookings:,} bookings; "
        "baseline = the trivial request in the first line"
    )
    header = f"{'figure':<40} {'ms':>9} {'small ms':>9} {'/ small':>8} {'/ baseline':>11}"
    print(header)
    print("-" * len(header))
    for row in result["figures"]:
        small = "" if row["small_median_ms"] is None else f"{row['small_median_ms']:9.1f}"
        ratio = "" if row["ratio_to_small"] is None else f"{row['ratio_to_small']:8.2f}"
        print(
            f"{row['figure']:<40} {row['median_ms']:9.1f} {small:>9} {ratio:>8} "
            f"{row['ratio_to_baseline']:11.1f}"
        )
    target = result["target"]
    verdict = "MET" if target["met"] else "NOT MET"
    print(
        f"Goal: {target['figure']} under {target['goal_ms']:.0f} ms of server time: "
        f"{verdict} ({target['median_ms']:.1f} ms)"
    )


def machine_info() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
    }


def write_json(results: list[dict], args, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"bench-{stamp}.json"
    record = {
        "at": stamp,
        "machine": machine_info(),
        "parameters": {
            "people": args.people,
            "bookings": args.bookings,
            "machines": args.machines,
            "small_bookings": args.small_bookings,
            "runs": args.runs,
        },
        "results": results,
    }
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    return path
