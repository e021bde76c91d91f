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
from fablab.network.services import all_labs, lab_document


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


@dataclass(frozen=True)
class Candidate:
    """A machine to ask about, as plain data (no database object crosses into the threads)."""

    lab_id: int
    lab: str
    city: str
    origin: str  # the lab's catalogue address: every address followed must share its origin
    machine: dict


def finder_candidates(*, kind: str, near: str = "") -> list[Candidate]:
    """Machines of ``kind`` in the member labs whose city or address contains ``near``."""
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
                city = str(document.get("city", ""))
                found.append(Candidate(lab.id, lab.label, city, lab.catalogue_url, machine))
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


def ask_labs(
    candidates: list[Candidate], *, start: datetime, end: datetime, minutes: int, bounds: Limits
) -> FinderResult:
    """Ask each lab, concurrently, for its free intervals of at least ``minutes``.

    Touches no database: the caller ends its transaction first, so a lab that is slow
    to answer (or the hub asking itself) never waits on the hub's own lock.
    """
    result = FinderResult([], [])
    if not candidates:
        return result
    with ThreadPoolExecutor(max_workers=min(8, len(candidates))) as pool:
        answers = list(
            pool.map(
                lambda c: _slots(c.machine["availability_url"], start, end, minutes, bounds),
                candidates,
            )
        )
    for candidate, (slots, error) in zip(candidates, answers, strict=True):
        name = str(candidate.machine.get("name", ""))
        if slots is None:
            result.errors.append(f"{candidate.lab} · {name}: {error}")
        elif slots:
            booking_url = str(candidate.machine.get("booking_url", ""))
            if not same_origin(booking_url, candidate.origin):
                booking_url = ""
            result.found.append(
                MachineSlots(
                    candidate.lab, candidate.lab_id, candidate.city, name, booking_url, slots
                )
            )
    return result
