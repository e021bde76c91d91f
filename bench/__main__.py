"""``python -m bench``: throwaway labs on SQLite (and PostgreSQL when installed), timed."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.report import print_table, summary, write_json
from bench.served_report import print_served, write_benchmarks_md

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--machines", type=int, default=30)
    parser.add_argument(
        "--small-bookings",
        type=int,
        default=1000,
        help="bookings of the small lab each figure is compared with (same people, machines)",
    )
    parser.add_argument("--runs", type=int, default=15, help="timed runs per figure (median)")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    parser.add_argument("--no-export", action="store_true", help="skip the full CSV export")
    served = parser.add_argument_group("served (gunicorn + PostgreSQL, load over HTTP)")
    served.add_argument("--years", type=int, default=10, help="history of the long lab")
    served.add_argument("--served-machines", type=int, default=30)
    served.add_argument("--seconds", type=float, default=5.0, help="load time of each figure")
    served.add_argument("--clients", type=int, default=8, help="keep-alive client threads")
    served.add_argument("--no-served", action="store_true", help="skip the served benchmark")
    served.add_argument(
        "--served-only", action="store_true", help="only the served benchmark (no test client)"
    )
    return parser.parse_args(argv)


def config_for(url: str, folder: str):
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = "bench-" + "x" * 48  # noqa: S105  (a throwaway database)
        UPLOAD_FOLDER = os.path.join(folder, "uploads")
        SCHEDULER_LOCK_FILE = os.path.join(folder, "scheduler.lock")
        MAIL_BACKEND = "locmem"
        FABLAB_BASE_URL = "http://127.0.0.1"

    return BenchConfig


def build_lab(url: str, folder: str, args, *, bookings: int):
    """A migrated, filled lab at ``url``: (app, lab, seconds it took)."""
    from bench.dataset import build
    from fablab import create_app
    from fablab.extensions import db

    app = create_app(config_for(url, folder))
    started = time.perf_counter()
    with app.app_context():
        lab = build(people=args.people, bookings=bookings, machines=args.machines)
        db.session.remove()
    return app, lab, round(time.perf_counter() - started, 2)


def bench_database(name: str, urls: tuple[str, str], folder: str, args) -> dict:
    """Both labs on one database engine, timed side by side."""
    from bench.measure import export_timing, measure_side_by_side
    from fablab.extensions import db

    print(f"\n{name}: building the lab with history ({args.bookings:,} bookings)…", flush=True)
    app, lab, seconds = build_lab(urls[0], folder, args, bookings=args.bookings)
    print(f"  loaded in {seconds} s; the same lab with {args.small_bookings:,} bookings…")
    small_app, small_lab, _ = build_lab(urls[1], folder, args, bookings=args.small_bookings)
    print(f"  timing, {args.runs} runs of each figure…", flush=True)
    timings, small_timings = measure_side_by_side(
        [(app, lab), (small_app, small_lab)], runs=args.runs
    )
    if not args.no_export:
        timings.append(export_timing(app, lab))
    for each in (app, small_app):
        with each.app_context():
            db.engine.dispose()
    full = {"load_seconds": seconds, "timings": timings}
    return summary(name, full, {"timings": small_timings})


def sqlite_urls(folder: str) -> tuple[str, str]:
    return (
        f"sqlite:///{os.path.join(folder, 'full.sqlite')}",
        f"sqlite:///{os.path.join(folder, 'small.sqlite')}",
    )


def postgresql_run(folder: str, args) -> dict | None:
    from tests.pg import find_pg_bin, start_cluster

    if find_pg_bin() is None:
        print("\nPostgreSQL: not installed (no initdb found), skipped.")
        return None
    cluster = start_cluster()
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE bench_small"))
        engine.dispose()
        small = cluster.url.rsplit("/", 1)[0] + "/bench_small"
        return bench_database("PostgreSQL", (cluster.url, small), folder, args)
    finally:
        cluster.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    folder = tempfile.mkdtemp(prefix="fablab-bench-")
    results, served = [], None
    try:
        if not args.served_only:
            results.append(bench_database("SQLite", sqlite_urls(folder), folder, args))
            if not args.no_postgresql:
                pg = postgresql_run(folder, args)
                if pg:
                    results.append(pg)
        if not args.no_served:
            from bench.served_run import served_run

            served = served_run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for result in results:
        print_table(result, args)
    if served:
        print_served(served, args)
        write_benchmarks_md(served, results, args, ROOT / "BENCHMARKS.md")
        print("\nThe served table is written to BENCHMARKS.md (between its bench markers).")
    path = write_json([*results, {"served": served}], args, ROOT / "bench" / "results")
    print(f"\nResults written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
