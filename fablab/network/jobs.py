"""Scheduler job of the hub: fetch every member lab's open data."""

from __future__ import annotations

from fablab.network.services import refresh_labs
from fablab.transaction import commit


def refresh_network_job() -> dict[str, int]:
    counts = refresh_labs()
    commit()
    return counts
