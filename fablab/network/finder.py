"""The machine finder: free slots of a kind of machine across the member labs.

The hub asks each lab's public availability API anonymously (busy blocks and
bookable intervals, never a name), concurrently and within the fetch limits.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fablab.network.fetch import Limits, get, same_origin
from fablab.network.services import all_labs, lab_document, limits


@dataclass
class MachineSlots:
    lab: str
    lab_id: int
    city: str
    machine: str
    booking_url: str
    slots: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass
class FinderResult:
    found: list[MachineSlots]
    errors: list[str]


def _candidates(kind: str, near: str) -> list[tuple]:
    near = near.strip().lower()
    found = []
    for lab in all_labs():
        document = lab_document(lab, "lab")
        if document is None:
            continue
        place = f"{document.get('city', '')} {document.get('address', '')}".lower()
        if near and near not in place:
            continue
        for machine in document.get("machines", []):
            url = machine.get("availability_url", "")
            if machine.get("kind") == kind and same_origin(url, lab.catalogue_url):
                found.append((lab, document, machine))
    return found


def _slots(url: str, start: datetime, end: datetime, minutes: int, bounds: Limits):
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    fetched = get(f"{url}?{query}", limits=bounds)
    if not fetched.ok:
        return None, fetched.error
    try:
        bookable = json.loads(fetched.body)["bookable"]
        intervals = [
            (datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]))
            for b in bookable[:500]
        ]
    except (ValueError, KeyError, TypeError):
        return None, "malformed availability"
    long_enough = [(s, e) for s, e in intervals if e - s >= timedelta(minutes=minutes)]
    return long_enough, ""


def find_free_machines(
    *, kind: str, start: datetime, end: datetime, minutes: int, near: str = ""
) -> FinderResult:
    """Machines of ``kind`` with a free interval of ``minutes`` within [start, end)."""
    candidates = _candidates(kind, near)
    bounds = limits()
    if not candidates:
        return FinderResult([], [])
    with ThreadPoolExecutor(max_workers=min(8, len(candidates))) as pool:
        answers = list(
            pool.map(
                lambda c: _slots(c[2]["availability_url"], start, end, minutes, bounds),
                candidates,
            )
        )
    result = FinderResult([], [])
    for (lab, document, machine), (slots, error) in zip(candidates, answers, strict=True):
        if slots is None:
            result.errors.append(f"{lab.label} · {machine.get('name', '')}: {error}")
            continue
        if slots:
            booking_url = machine.get("booking_url", "")
            result.found.append(
                MachineSlots(
                    lab=lab.label,
                    lab_id=lab.id,
                    city=str(document.get("city", "")),
                    machine=str(machine.get("name", "")),
                    booking_url=booking_url if same_origin(booking_url, lab.catalogue_url) else "",
                    slots=slots,
                )
            )
    return result
