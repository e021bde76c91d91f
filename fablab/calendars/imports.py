"""Import external iCalendar feeds as closures (public holidays, the building's closures…).

A refresh fetches the URL (honouring its ETag), reads its VEVENTs and makes the
lab's closures match them: new events are added, changed ones updated, vanished
ones removed. Closures it owns carry ``source = "ics:<subscription id>"`` and the
event's UID (plus the occurrence, for recurring events) as ``external_uid``.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from dateutil.rrule import rrulestr
from flask_babel import gettext as _
from icalendar import Calendar

from fablab.calendars.import_models import CalendarSubscription
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Closure, Machine
from fablab.machines.zone import lab_zone, local_to_utc
from fablab.timeutil import utcnow

TIMEOUT_SECONDS = 15
MAX_BYTES = 5 * 1024 * 1024
# Closures are kept for events in this window; recurring events are expanded in it.
PAST = timedelta(days=30)
FUTURE = timedelta(days=400)
MAX_OCCURRENCES = 1000
# After this long, fetch the whole file again so recurrences roll forward.
FULL_REFRESH_AFTER = timedelta(days=7)
USER_AGENT = "fablab-calendar-import/1.0"


class SubscriptionError(DomainError):
    status = 422
    code = "invalid"


class FetchError(Exception):
    """The feed could not be downloaded or read; the message says why."""


@dataclass(frozen=True)
class Wanted:
    title: str
    start_at: datetime
    end_at: datetime


@dataclass
class RefreshResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    not_modified: bool = False
    error: str | None = None


def normalise_url(url: str) -> str:
    """An http(s) URL (``webcal://`` becomes ``https://``), or SubscriptionError."""
    text = (url or "").strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        scheme = "https"
    if scheme not in ("http", "https") or not parts.hostname:
        raise SubscriptionError(_("Give an http, https or webcal address."), field="url")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def add_subscription(
    *, name: str, url: str, machine: Machine | None = None
) -> CalendarSubscription:
    """Subscribe the lab to an external calendar (refresh it to import its events)."""
    name = (name or "").strip()
    if not name:
        raise SubscriptionError(_("Give the calendar a name."), field="name")
    subscription = CalendarSubscription(
        name=name[:120], url=normalise_url(url), machine_id=machine.id if machine else None
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def remove_subscription(*, subscription: CalendarSubscription) -> int:
    """Unsubscribe and delete the closures it made; returns how many."""
    removed = db.session.execute(sa.delete(Closure).where(Closure.source == subscription.source))
    db.session.delete(subscription)
    db.session.flush()
    return removed.rowcount or 0


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.HTTPError(
                newurl, code, "redirect to a non-HTTP address", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(subscription: CalendarSubscription, *, conditional: bool, timeout: float):
    """(body, etag, last_modified); body is None when the server answers 304."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if conditional and subscription.etag:
        headers["If-None-Match"] = subscription.etag
    if conditional and subscription.last_modified:
        headers["If-Modified-Since"] = subscription.last_modified
    # normalise_url allows only http and https (never file:), redirects too.
    url = normalise_url(subscription.url)
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return None, subscription.etag, subscription.last_modified
        raise FetchError(_("The server answered HTTP %(code)s.", code=error.code)) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(
            _("The calendar could not be fetched: %(reason)s", reason=reason)
        ) from None
    if len(body) > MAX_BYTES:
        raise FetchError(_("The calendar is larger than 5 MB."))
    return body, etag, modified


def _instant(value: date | datetime) -> datetime:
    """An aware UTC instant; a floating time is read in the lab's zone."""
    if not isinstance(value, datetime):
        return local_to_utc(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=lab_zone())
    return value.astimezone(UTC)


def _occurrence_key(uid: str, value: date | datetime) -> str:
    stamp = value.isoformat() if not isinstance(value, datetime) else _instant(value).isoformat()
    return f"{uid}#{stamp}"


def _duration(component, start: date | datetime) -> timedelta:
    if component.get("DTEND") is not None:
        end = component.decoded("DTEND")
        if isinstance(start, datetime) and not isinstance(end, datetime):
            end = datetime.combine(end, time(0), tzinfo=start.tzinfo)
        elif not isinstance(start, datetime) and isinstance(end, datetime):
            end = end.date()
        return end - start
    if component.get("DURATION") is not None:
        return component.decoded("DURATION")
    return timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)


def _span(start: date | datetime, length: timedelta) -> tuple[datetime, datetime]:
    if not isinstance(start, datetime):
        # All-day: whole local days, from midnight to midnight in the lab's zone.
        days = max(length.days, 1)
        return _instant(start), _instant(start + timedelta(days=days))
    return _instant(start), _instant(start + length)


def _starts(component, start: date | datetime, window: tuple[datetime, datetime]):
    """The start of every occurrence (one for a non-recurring event)."""
    if component.get("RRULE") is None:
        return [start]
    rule = component["RRULE"]
    rules = rule if isinstance(rule, list) else [rule]
    all_day = not isinstance(start, datetime)
    anchor = datetime.combine(start, time(0)) if all_day else start
    text = "\n".join("RRULE:" + r.to_ical().decode() for r in rules)
    recurrence = rrulestr(text, dtstart=anchor, forceset=True)
    excluded = set()
    for exdate in _as_list(component.get("EXDATE")):
        for item in exdate.dts:
            excluded.add(_occurrence_key("", item.dt))
    starts = []
    for occurrence in recurrence:
        value = occurrence.date() if all_day else occurrence
        if _instant(value) > window[1] or len(starts) >= MAX_OCCURRENCES:
            break
        if _occurrence_key("", value) not in excluded:
            starts.append(value)
    return starts


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _external_key(key: str) -> str:
    # Closure.external_uid holds 255 characters; long keys are hashed.
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _component_closures(component, window) -> dict[str, Wanted]:
    if str(component.get("STATUS", "")).upper() == "CANCELLED" or component.get("DTSTART") is None:
        return {}
    start = component.decoded("DTSTART")
    uid = (
        str(component.get("UID") or "")
        or "nouid-"
        + hashlib.sha256((str(component.get("SUMMARY", "")) + str(start)).encode()).hexdigest()[:16]
    )
    title = str(component.get("SUMMARY") or _("External closure"))[:200]
    length = _duration(component, start)
    wanted = {}
    recurrence_id = component.get("RECURRENCE-ID")
    for occurrence in _starts(component, start, window):
        begin, end = _span(occurrence, length)
        if end <= begin or end < window[0] or begin > window[1]:
            continue
        if recurrence_id is not None:
            key = _occurrence_key(uid, recurrence_id.dt)
        elif component.get("RRULE") is not None:
            key = _occurrence_key(uid, occurrence)
        else:
            key = uid
        wanted[_external_key(key)] = Wanted(title=title, start_at=begin, end_at=end)
    return wanted


def parse_closures(data: bytes, *, now: datetime) -> dict[str, Wanted]:
    """The closures an iCalendar file asks for, keyed by UID (and occurrence)."""
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as error:
        raise FetchError(
            _("This is not a valid iCalendar file (%(error)s).", error=error)
        ) from None
    window = (now - PAST, now + FUTURE)
    components = sorted(calendar.walk("VEVENT"), key=lambda c: c.get("RECURRENCE-ID") is not None)
    wanted: dict[str, Wanted] = {}
    for component in components:
        try:
            wanted.update(_component_closures(component, window))
        except (ValueError, TypeError, KeyError, OverflowError):
            continue  # one odd event must not stop the others
    return wanted


def _sync(subscription: CalendarSubscription, wanted: dict[str, Wanted]) -> RefreshResult:
    result = RefreshResult()
    existing = db.session.scalars(
        sa.select(Closure).where(Closure.source == subscription.source).order_by(Closure.id)
    ).all()
    kept: set[str] = set()
    for closure in existing:
        target = wanted.get(closure.external_uid or "")
        if target is None or closure.external_uid in kept:
            db.session.delete(closure)
            result.removed += 1
            continue
        kept.add(closure.external_uid)
        current = (closure.title, closure.start_at, closure.end_at, closure.machine_id)
        if current != (target.title, target.start_at, target.end_at, subscription.machine_id):
            closure.title, closure.start_at, closure.end_at = (
                target.title,
                target.start_at,
                target.end_at,
            )
            closure.machine_id = subscription.machine_id
            result.updated += 1
    for key, target in wanted.items():
        if key in kept:
            continue
        db.session.add(
            Closure(
                machine_id=subscription.machine_id,
                title=target.title,
                start_at=target.start_at,
                end_at=target.end_at,
                repeats_yearly=False,
                source=subscription.source,
                external_uid=key,
            )
        )
        result.created += 1
    return result


def refresh_subscription(
    *, subscription: CalendarSubscription, now: datetime | None = None, timeout: float | None = None
) -> RefreshResult:
    """Fetch the calendar and make its closures match it.

    A failure (network, HTTP error, unreadable file) is recorded in
    ``last_error`` and leaves the closures as they were.
    """
    now = now or utcnow()
    recent = (
        subscription.last_success_at and now - subscription.last_success_at < FULL_REFRESH_AFTER
    )
    subscription.last_fetched_at = now
    try:
        body, etag, modified = fetch(
            subscription, conditional=bool(recent), timeout=timeout or TIMEOUT_SECONDS
        )
        if body is None:
            result = RefreshResult(not_modified=True)
        else:
            result = _sync(subscription, parse_closures(body, now=now))
            subscription.etag, subscription.last_modified = etag, modified
    except FetchError as error:
        subscription.last_error = str(error)
        db.session.flush()
        return RefreshResult(error=str(error))
    subscription.last_error = None
    subscription.last_success_at = now
    db.session.flush()
    return result


def subscriptions() -> list[CalendarSubscription]:
    return list(
        db.session.scalars(sa.select(CalendarSubscription).order_by(CalendarSubscription.name))
    )


def imported_closure_counts() -> dict[str, int]:
    """How many closures each subscription currently holds, by ``source``."""
    rows = db.session.execute(
        sa.select(Closure.source, sa.func.count())
        .where(Closure.source.like("ics:%"))
        .group_by(Closure.source)
    ).all()
    return {source: count for source, count in rows}
