"""The served benchmark: build the labs with seed-synthetic, serve them with gunicorn on
PostgreSQL (and SQLite), load them from separate processes, and hold the figures to the goals."""

from __future__ import annotations

import os

import sqlalchemy as sa

from bench.goals import figures, goals, sqlite_posts
from bench.served import Lab, build, env_for, serve, stop
from tests.pg import find_pg_bin, start_cluster


def served_run(args, folder: str) -> dict | None:
    """Build the labs, serve them, load them; the figures and the goals' table."""
    if find_pg_bin() is None:
        print("\nServed benchmark: PostgreSQL not installed (no initdb found), skipped.")
        return None
    cluster = start_cluster()
    labs: list[Lab] = []
    try:
        engine = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE bench_small"))
        engine.dispose()
        small_url = cluster.url.rsplit("/", 1)[0] + "/bench_small"
        sqlite_url = f"sqlite:///{os.path.join(folder, 'served.sqlite')}"
        big = Lab("long", cluster.url, env_for(cluster.url, folder))
        small = Lab("small", small_url, env_for(small_url, folder))
        embedded = Lab("sqlite", sqlite_url, env_for(sqlite_url, folder))
        labs = [big, small, embedded]
        print(f"\nServed: seed-synthetic --years {args.years} --machines {args.served_machines}…")
        build(big, args.years, args.served_machines)
        print("  the small lab (1 year × 1 machine) and the SQLite lab (1 year × 3 machines)…")
        build(small, 1, 1)
        build(embedded, 1, 3)
        for lab in labs:
            serve(lab)
        print(f"  loading each figure for {args.seconds} s with {args.clients} clients…")
        out = figures(big, small, seconds=args.seconds, clients=args.clients)
        sqlite_post = sqlite_posts(embedded, seconds=args.seconds, clients=args.clients)
        out["sqlite booking POST"] = sqlite_post
        return {
            "labs": {
                lab.name: {"bookings": lab.bookings, "load_seconds": lab.load_seconds}
                for lab in labs
            },
            "figures": out,
            "goals": goals(out, sqlite_post),
        }
    finally:
        for lab in labs:
            stop(lab)
        cluster.stop()
