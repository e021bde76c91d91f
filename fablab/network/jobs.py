"""Refreshing the hub's member labs: the scheduler job and the edge helper CLI and pages use."""

from __future__ import annotations

from fablab.network.models import NetworkLab
from fablab.network.services import apply_results, fetch_all, limits, refresh_plan
from fablab.transaction import commit


def refresh_now(labs: list[NetworkLab] | None = None) -> dict[str, int]:
    """Plan, fetch, store — committing around the fetch.

    The fetch may take the whole timeout for a slow lab: no transaction (on
    SQLite, no write lock) is held meanwhile, so the hub keeps serving and writing.
    """
    plan = refresh_plan(labs=labs)
    commit()
    results = fetch_all(plan, limits())
    counts = apply_results(plan, results)
    commit()
    return counts


def refresh_network_job() -> dict[str, int]:
    return refresh_now()
