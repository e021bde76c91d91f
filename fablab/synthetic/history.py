"""Machines and their history: bookings one after the other per machine, and usage.

Each day's bookings of a machine are generated in time order from opening to
closing, each starting at or after the end of the previous one, so two bookings
of one machine never overlap — whatever their status.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fablab.bookings.lifecycle import CompletedVia
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.machines.models import ConsumableUnit, Machine, MachineKind
from fablab.synthetic.bulk import Writer, next_id, reset_sequence
from fablab.synthetic.people import Population
from fablab.usage.models import UsageSession, UsageSource, UsageStatus

S = ReservationStatus
# How busy each month is (August: the lab is nearly empty).
SEASON = {1: 0.8, 2: 0.9, 3: 1.0, 4: 1.0, 5: 0.9, 6: 0.85, 7: 0.5, 8: 0.2}
SEASON.update({9: 1.0, 10: 1.1, 11: 1.1, 12: 0.7})
# The synthetic lab opens Monday to Saturday, 9:00 to 21:00 (see generate.lab_hours).
OPEN_DAYS = range(6)
OPENS, CLOSES = time(9), time(21)
DURATIONS = (30, 30, 60, 60, 60, 90, 120, 180)  # minutes
GAPS = (0, 0, 0, 0, 0, 30, 60)
KINDS = (
    MachineKind.PRINTER_3D,
    MachineKind.LASER_CUTTER,
    MachineKind.PRINTER_3D,
    MachineKind.CNC_MILL,
    MachineKind.VINYL_CUTTER,
    MachineKind.ELECTRONICS,
)
RESERVATION_COLUMNS = [
    "id",
    "machine_id",
    "user_id",
    "company_id",
    "created_by_id",
    "start_at",
    "end_at",
    "blocked_until",
    "status",
    "checked_in_at",
    "cancelled_at",
    "cancelled_by_id",
    "cancel_reason",
    "bill_cancellation",
    "confirmed_at",
    "completed_at",
    "completed_via",
    "created_at",
    "updated_at",
]
SESSION_COLUMNS = [
    "id",
    "machine_id",
    "user_id",
    "reservation_id",
    "company_id",
    "started_at",
    "ended_at",
    "source",
    "status",
    "consumable_quantity_milli",
    "consumable_unit",
    "consumable_rate_cents",
    "created_at",
    "updated_at",
]


@dataclass(frozen=True)
class MachineRow:
    id: int
    kind: str
    unit: str
    rate_cents: int


@dataclass
class Counts:
    bookings: int = 0
    sessions: int = 0


def insert_machines(count: int, first: date) -> list[MachineRow]:
    writer = Writer(
        Machine.__table__,
        [
            "id",
            "name",
            "kind",
            "location",
            "rate_member_cents",
            "rate_public_cents",
            "rate_reduced_cents",
            "rate_company_cents",
            "consumable_unit",
            "consumable_rate_cents",
            "purchase_cost_cents",
            "purchase_date",
            "lifetime_hours",
            "created_at",
        ],
    )
    start_id = next_id(Machine.__table__)
    machines = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        unit, rate = _consumable(kind)
        writer.add(
            (start_id + n, f"{_label(kind)} {n + 1:02d}", kind.value, f"Atelier {n % 4 + 1}")
            + (300 + 100 * (n % 3), 600, 200, 1500 + 500 * (n % 3), unit, rate)
            + (150_000 * (1 + n % 5), first, 10_000, datetime.combine(first, time(8), UTC))
        )
        machines.append(MachineRow(start_id + n, kind.value, unit, rate))
    writer.flush()
    reset_sequence(Machine.__table__)
    return machines


def _label(kind: MachineKind) -> str:
    return {
        MachineKind.PRINTER_3D: "Imprimante 3D",
        MachineKind.LASER_CUTTER: "Découpe laser",
        MachineKind.CNC_MILL: "Fraiseuse CNC",
        MachineKind.VINYL_CUTTER: "Plotter vinyle",
        MachineKind.ELECTRONICS: "Poste électronique",
    }[kind]


def _consumable(kind: MachineKind) -> tuple[str, int]:
    if kind == MachineKind.PRINTER_3D:
        return ConsumableUnit.GRAM.value, 8  # cents per gram
    if kind == MachineKind.LASER_CUTTER:
        return ConsumableUnit.SHEET.value, 450
    return ConsumableUnit.NONE.value, 0


class HistoryWriter:
    """Writes the bookings and usage sessions of each day, machine by machine."""

    def __init__(self, *, population: Population, until: date, zone: ZoneInfo, years: int):
        self.population = population
        self.until = until
        self.zone = zone
        self.first_year = until.year - years
        self.bookings = Writer(Reservation.__table__, RESERVATION_COLUMNS)
        self.sessions = Writer(UsageSession.__table__, SESSION_COLUMNS, after=self.bookings)
        self.booking_id = next_id(Reservation.__table__)
        self.session_id = next_id(UsageSession.__table__)

    def day(self, day: date, machines: list[MachineRow], rng: random.Random) -> None:
        """Every machine's bookings on ``day`` (the lab opens Monday to Saturday)."""
        if day.weekday() not in OPEN_DAYS:
            return
        growth = min(1.0, 0.45 + 0.55 * (day.year - self.first_year) / 4)
        busy = SEASON[day.month] * growth * 0.9
        for machine in machines:
            for start, end in _slots(day, busy, rng, self.zone):
                self._booking(machine, day, start, end, rng)

    def finish(self) -> Counts:
        self.bookings.flush()
        self.sessions.flush()
        reset_sequence(Reservation.__table__)
        reset_sequence(UsageSession.__table__)
        return Counts(self.bookings.written, self.sessions.written)

    def _booking(self, machine, day, start, end, rng) -> None:
        person = self.population.pick(day, rng)
        booking_id = self.booking_id
        self.booking_id += 1
        made = start - timedelta(days=rng.choice((0, 1, 2, 3, 5, 7, 14, 21)), hours=3)
        values = dict.fromkeys(RESERVATION_COLUMNS)
        values.update(
            id=booking_id,
            machine_id=machine.id,
            user_id=person.id,
            company_id=person.company_id,
            created_by_id=person.id,
            start_at=start,
            end_at=end,
            blocked_until=end,
            status=S.CONFIRMED.value,
            cancel_reason="",
            bill_cancellation=False,
            confirmed_at=made,
            completed_via="",
            created_at=made,
            updated_at=made,
        )
        used = self._past(values, person, rng) if day < self.until else False
        self.bookings.add(tuple(values[name] for name in RESERVATION_COLUMNS))
        if used:
            self._session(values, machine, values["checked_in_at"], rng)

    def _past(self, values: dict, person, rng: random.Random) -> bool:
        """A past booking's outcome: cancelled, missed, or attended; True when a usage
        session recorded the use."""
        start, end, luck = values["start_at"], values["end_at"], rng.random()
        if luck < 0.09:
            cancelled = start - timedelta(hours=rng.choice((2, 12, 30, 50, 100)))
            cancelled = max(cancelled, values["created_at"] + timedelta(minutes=5))
            values.update(status=S.CANCELLED.value, cancelled_at=cancelled)
            values.update(cancelled_by_id=person.id, updated_at=cancelled)
            values["bill_cancellation"] = start - cancelled < timedelta(hours=24)
            return False
        if luck < 0.15:
            values.update(status=S.NO_SHOW.value, updated_at=start + timedelta(minutes=15))
            return False
        checked_in = start + timedelta(minutes=rng.choice((0, 0, 2, 5, 10)))
        used = rng.random() < 0.85
        values.update(status=S.COMPLETED.value, checked_in_at=checked_in, completed_at=end)
        values.update(updated_at=end)
        values["completed_via"] = CompletedVia.USAGE if used else CompletedVia.SCHEDULER
        return used

    def _session(self, booking: dict, machine: MachineRow, started, rng) -> None:
        ended = booking["end_at"] - timedelta(minutes=rng.choice((0, 0, 5, 10)))
        quantity = 0
        if machine.unit == ConsumableUnit.GRAM.value:
            quantity = rng.randrange(5, 400) * 1000
        elif machine.unit == ConsumableUnit.SHEET.value:
            quantity = rng.choice((1, 1, 2, 3)) * 1000
        printer = machine.kind == MachineKind.PRINTER_3D
        source = UsageSource.OCTOPRINT if printer else UsageSource.KIOSK
        self.sessions.add(
            (self.session_id, machine.id, booking["user_id"], booking["id"])
            + (booking["company_id"], started, ended, source.value, UsageStatus.CLOSED.value)
            + (quantity, machine.unit, machine.rate_cents, started, ended)
        )
        self.session_id += 1


def _slots(
    day: date, busy: float, rng: random.Random, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """Non-overlapping (start, end) of one machine's day, in UTC, on a 30-minute grid."""
    minute, closing = OPENS.hour * 60, CLOSES.hour * 60
    while True:
        minute += rng.choice(GAPS)
        length = rng.choice(DURATIONS)
        if minute + length > closing:
            return
        if rng.random() < busy:
            local = datetime.combine(day, time(minute // 60, minute % 60), zone)
            start = local.astimezone(UTC)
            yield start, start + timedelta(minutes=length)
            minute += length
        else:
            minute += 30
