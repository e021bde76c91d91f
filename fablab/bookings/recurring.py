"""Weekly recurring bookings, for managers and company contacts.

One request books every occurrence through ``create_reservation`` and reports
one result per occurrence. With ``skip_conflicts`` the free occurrences are
booked and the refused ones listed with their reason; without it the series is
all-or-nothing: the whole series runs inside a SAVEPOINT that is rolled back
when any occurrence fails. Occurrences keep their wall-clock time in the lab's
zone across the daylight-saving change and share one ``series_id``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from fablab.accounts.models import Company, User
from fablab.bookings.models import Reservation
from fablab.bookings.notifications import notifications_suppressed
from fablab.bookings.services import create_reservation
from fablab.errors import DomainError, Forbidden
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.zone import lab_zone
from fablab.timeutil import utcnow

MAX_OCCURRENCES = 52


class SeriesInvalid(DomainError):
    status = 422
    code = "invalid"


class SeriesRefused(DomainError):
    """All-or-nothing series with at least one refused occurrence: nothing booked."""

    status = 409
    code = "conflict"


@dataclass
class Occurrence:
    start: datetime
    end: datetime
    reservation: Reservation | None = None
    error: str | None = None  # the refusal's code: conflict, rule_violation, not_qualified…
    message: str = ""

    @property
    def booked(self) -> bool:
        return self.reservation is not None


@dataclass
class SeriesResult:
    series_id: str
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def booked(self) -> list[Reservation]:
        return [o.reservation for o in self.occurrences if o.reservation is not None]

    @property
    def refused(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.error]


def weekly_occurrences(
    *, start: datetime, end: datetime, count: int | None = None, until: date | None = None
) -> list[tuple[datetime, datetime]]:
    """Weekly copies of [start, end) at the same local time: ``count`` of them, or to ``until``."""
    if (count is None) == (until is None):
        raise SeriesInvalid(_("Give either a number of occurrences or an end date."), field="count")
    if end <= start:
        raise SeriesInvalid(_("The end must be after the start."), field="end")
    zone = lab_zone()
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    naive_start, naive_end = local_start.replace(tzinfo=None), local_end.replace(tzinfo=None)
    result = []
    for week in range(MAX_OCCURRENCES + 1):
        occurrence_start = (naive_start + timedelta(weeks=week)).replace(tzinfo=zone)
        if until is not None and occurrence_start.date() > until:
            break
        if count is not None and week >= count:
            break
        occurrence_end = (naive_end + timedelta(weeks=week)).replace(tzinfo=zone)
        result.append(
            (occurrence_start.astimezone(start.tzinfo), occurrence_end.astimezone(end.tzinfo))
        )
    if not result:
        raise SeriesInvalid(_("The end date is before the first occurrence."), field="until")
    if len(result) > MAX_OCCURRENCES:
        raise SeriesInvalid(
            _("A series has at most %(n)d occurrences.", n=MAX_OCCURRENCES), field="count"
        )
    return result


def check_series_permission(*, by: User, user: User, company: Company | None) -> None:
    """Managers book series for anyone; a company contact for its company's people."""
    if by.is_manager:
        return
    if not (by.is_company_contact and by.company_id):
        raise Forbidden(_("Recurring bookings are for managers and company contacts."))
    if user.company_id != by.company_id or company is None or company.id != by.company_id:
        raise Forbidden(_("You can only book series for your company's employees."))


def book_weekly_series(
    *,
    machine: Machine,
    user: User,
    start: datetime,
    end: datetime,
    by: User,
    count: int | None = None,
    until: date | None = None,
    company: Company | None = None,
    skip_conflicts: bool = False,
    override_rules: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> SeriesResult:
    """Book a weekly series; one result per occurrence (see the module docstring).

    Raises SeriesRefused (with the per-occurrence results in ``details``) when
    the series is all-or-nothing and an occurrence was refused, or when no
    occurrence at all could be booked.
    """
    check_series_permission(by=by, user=user, company=company)
    now = now or utcnow()
    slots = weekly_occurrences(start=start, end=end, count=count, until=until)
    result = SeriesResult(series_id=str(uuid.uuid4()))
    series = db.session.begin_nested()
    with notifications_suppressed():
        for slot_start, slot_end in slots:
            occurrence = Occurrence(slot_start, slot_end)
            result.occurrences.append(occurrence)
            try:
                occurrence.reservation = create_reservation(
                    machine=machine,
                    user=user,
                    start=slot_start,
                    end=slot_end,
                    by=by,
                    company=company,
                    override_rules=override_rules,
                    note=note,
                    now=now,
                )
            except DomainError as error:
                occurrence.error, occurrence.message = error.code, error.message
                continue
            occurrence.reservation.series_id = result.series_id
    if result.refused and (not skip_conflicts or not result.booked):
        series.rollback()
        for occurrence in result.occurrences:
            occurrence.reservation = None
        raise _refusal(result, skip_conflicts)
    series.commit()
    db.session.flush()
    return result


def _refusal(result: SeriesResult, skip_conflicts: bool) -> SeriesRefused:
    refused = len(result.refused)
    if skip_conflicts:
        message = _("None of the occurrences could be booked.")
    else:
        message = _(
            "Nothing was booked: %(n)d of %(total)d occurrences were refused.",
            n=refused,
            total=len(result.occurrences),
        )
    error = SeriesRefused(message, occurrences=occurrences_json(result))
    error.result = result  # type: ignore[attr-defined]
    return error


def occurrences_json(result: SeriesResult) -> list[dict]:
    return [
        {
            "start": o.start.isoformat(),
            "end": o.end.isoformat(),
            "status": "booked" if o.booked else ("refused" if o.error else "not_booked"),
            "reservation_id": o.reservation.id if o.reservation else None,
            "error": o.error,
            "message": o.message,
        }
        for o in result.occurrences
    ]
