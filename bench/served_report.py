"""The served benchmark's table: on stdout and in BENCHMARKS.md between the bench markers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.report import machine_info

BEGIN, END = "<!-- bench:served:begin -->", "<!-- bench:served:end -->"


def _verdict(met) -> str:
    return "reported" if met is None else ("met" if met else "**not met**")


def served_markdown(served: dict, in_process: list[dict], args) -> str:
    machine = machine_info()
    labs = served["labs"]
    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine['platform']}, "
        f"{machine['cpus']} CPUs ({machine['processor']}), Python {machine['python']}; "
        f"gunicorn 2 workers × 4 threads per server; {args.clients} keep-alive clients in a "
        f"separate process, {args.seconds:g} s per figure.",
        "",
        f"Long lab: {labs['long']['bookings']:,} bookings ({args.years} years × "
        f"{args.served_machines} machines, loaded by seed-synthetic in "
        f"{labs['long']['load_seconds']} s); small lab: {labs['small']['bookings']:,} bookings.",
        "",
        "| figure | value | goal | |",
        "|---|---:|---|---|",
    ]
    for row in served["goals"]:
        lines.append(
            f"| {row['figure']} | {row['value']} | {row['goal']} | {_verdict(row['met'])} |"
        )
    lines += [
        "",
        "| measured | requests/s | p50 ms | p90 ms | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figure in served["figures"].items():
        if isinstance(figure, dict):
            lines.append(
                f"| {name} | {figure['throughput']} | {figure['p50_ms']} | {figure['p90_ms']} "
                f"| {figure['errors']} |"
            )
    lines.append(f"\nThe feed holds {served['figures'].get('feed events')} events.")
    return "\n".join(lines)


def print_served(served: dict, args) -> None:
    print("\nServed (gunicorn + PostgreSQL, load over HTTP):")
    for row in served["goals"]:
        print(f"  {row['figure']:<62} {row['value']:>9} {row['goal']:>8}  {_verdict(row['met'])}")


def write_benchmarks_md(served: dict, in_process: list[dict], args, path: Path) -> None:
    """Replace the text between the markers of BENCHMARKS.md (the rest is written by hand)."""
    table = served_markdown(served, in_process, args)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
