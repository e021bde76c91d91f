"""Event services: create, update, publish and cancel events, and the machines they reserve.

Registrations live in ``fablab.events.registrations``. Services raise domain
errors and only flush; the edge commits (then queued e-mails go out).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.bookings.services import (
    SlotTaken,
    cancel_reservation,
    create_reservation,
    move_reservation,
)
from fablab.events.errors import EventError, MachineBusy
from fablab.events.models import (
    Audience,
    Event,
    EventKind,
    EventMachine,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from fablab.extensions import db
from fablab.machines.models import Machine, Qualification
from fablab.timeutil import utcnow

PRICE_FIELDS = (
    "price_member_cents",
    "price_public_cents",
    "price_reduced_cents",
    "price_company_cents",
)
EDITABLE_FIELDS = (
    "kind",
    "title_fr",
    "title_en",
    "description_fr",
    "description_en",
    "start_at",
    "end_at",
    "place",
    "capacity",
    *PRICE_FIELDS,
    "audience",
    "qualification_id",
)
# A change of these makes a calendar client update the event (SEQUENCE grows).
CALENDAR_FIELDS = ("title_fr", "title_en", "description_fr", "description_en", "start_at",
                   "end_at", "place")  # fmt: skip


def check_event_values(values: dict[str, Any]) -> None:
    """Raise EventError (with the field) when the values cannot make an event."""
    if values.get("kind") not in {k.value for k in EventKind}:
        raise EventError(_("Choose a kind of event."), field="kind")
    if values.get("audience") not in {a.value for a in Audience}:
        raise EventError(_("Choose an audience."), field="audience")
    if not (values.get("title_fr") or "").strip():
        raise EventError(_("The French title is required."), field="title_fr")
    start, end = values.get("start_at"), values.get("end_at")
    for name, value in (("start_at", start), ("end_at", end)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise EventError(_("Give a date and time."), field=name)
    if end <= start:  # type: ignore[operator]
        raise EventError(_("The end must be after the start."), field="end_at")
    capacity = values.get("capacity")
    if not isinstance(capacity, int) or capacity < 1:
        raise EventError(_("The capacity must be at least 1."), field="capacity")
    for name in PRICE_FIELDS:
        price = values.get(name, 0)
        if not isinstance(price, int) or price < 0:
            raise EventError(_("A price cannot be negative."), field=name)
    if values.get("qualification_id") and values.get("kind") != EventKind.TRAINING:
        raise EventError(_("Only a training can grant a qualification."), field="qualification_id")
    if (
        values.get("qualification_id")
        and db.session.get(Qualification, values["qualification_id"]) is None
    ):
        raise EventError(_("Unknown qualification."), field="qualification_id")


def create_event(
    *, values: dict[str, Any], by: User, machines: list[Machine] | None = None
) -> Event:
    """A new draft event; its machines are reserved on its time at once."""
    values = {name: values.get(name) for name in EDITABLE_FIELDS if name in values}
    values.setdefault("audience", Audience.PUBLIC.value)
    for name in PRICE_FIELDS:
        values[name] = values.get(name) or 0
    check_event_values(values)
    event = Event(**values, status=EventStatus.DRAFT.value, sequence=0, created_by_id=by.id)
    db.session.add(event)
    db.session.flush()
    set_event_machines(event=event, machines=machines or [], by=by)
    return event


def update_event(
    *, event: Event, values: dict[str, Any], by: User, machines: list[Machine] | None = None
) -> bool:
    """Change an event; True when a calendar client must see it (SEQUENCE grew).

    Lowering the capacity below the confirmed registrations is refused; raising
    it moves people up from the waitlist. Machine reservations follow the times.
    """
    from fablab.events.registrations import confirmed_count, promote_waitlist

    if event.is_cancelled:
        raise EventError(_("A cancelled event cannot be changed."))
    merged = {name: getattr(event, name) for name in EDITABLE_FIELDS}
    merged.update({name: values[name] for name in EDITABLE_FIELDS if name in values})
    check_event_values(merged)
    taken = confirmed_count(event)
    if merged["capacity"] < taken:
        raise EventError(
            _("%(count)s people are already confirmed.", count=taken), field="capacity"
        )
    changed = {n for n in EDITABLE_FIELDS if getattr(event, n) != merged[n]}
    for name in changed:
        setattr(event, name, merged[name])
    calendar_change = bool(changed & set(CALENDAR_FIELDS))
    if changed:
        event.sequence = (event.sequence or 0) + 1
    db.session.flush()
    if machines is not None or {"start_at", "end_at"} & changed:
        current = [link.machine for link in event.machines]
        set_event_machines(event=event, machines=current if machines is None else machines, by=by)
    if event.is_published:
        promote_waitlist(event=event)
        if calendar_change:
            _tell_registrants_of_change(event)
    return bool(changed)


def publish_event(*, event: Event) -> Event:
    """Show the event on the public page and open registration."""
    if event.status != EventStatus.DRAFT:
        raise EventError(_("Only a draft can be published."))
    event.status = EventStatus.PUBLISHED.value
    db.session.flush()
    return event


def cancel_event(*, event: Event, by: User, now: datetime | None = None) -> list[Registration]:
    """Cancel the event: its machines are freed and every registered person is told."""
    from fablab.events import mails
    from fablab.events.registrations import drop_charge

    if event.is_cancelled:
        raise EventError(_("This event is already cancelled."))
    now = now or utcnow()
    event.status = EventStatus.CANCELLED.value
    event.cancelled_at = now
    event.sequence = (event.sequence or 0) + 1
    set_event_machines(event=event, machines=[], by=by)
    told = []
    for registration in event.registrations:
        if not registration.is_active:
            continue
        was_pending = registration.status == RegistrationStatus.PENDING_CONFIRMATION
        registration.status = RegistrationStatus.CANCELLED.value
        registration.cancelled_at = now
        drop_charge(registration)
        if not was_pending:
            mails.send_event_cancelled(registration)
            told.append(registration)
    db.session.flush()
    return told


def _tell_registrants_of_change(event: Event) -> None:
    """Send the updated event; a new time also means a new reminder."""
    from fablab.events import mails

    for registration in event.registrations:
        if registration.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
            registration.reminder_sent_at = None
            mails.send_event_changed(registration)


# --- machines -----------------------------------------------------------------------------------


def _reservation_note(event: Event) -> str:
    return f"Event: {event.title_fr}"


def set_event_machines(*, event: Event, machines: list[Machine], by: User) -> None:
    """Reserve ``machines`` on the event's time (owned by ``by``); free the others.

    Raises MachineBusy when one is already booked then.
    """
    wanted = {machine.id: machine for machine in machines}
    for link in list(event.machines):
        reservation = link.reservation
        if link.machine_id not in wanted:
            if reservation is not None and reservation.is_active:
                cancel_reservation(
                    reservation=reservation, by=by, reason="event", override_deadline=True
                )
            event.machines.remove(link)
            continue
        wanted.pop(link.machine_id)
        if reservation is None or not reservation.is_active:
            link.reservation = _reserve(event, link.machine, by)
        elif (reservation.start_at, reservation.end_at) != (event.start_at, event.end_at):
            try:
                move_reservation(
                    reservation=reservation,
                    start=event.start_at,
                    end=event.end_at,
                    by=by,
                    override_rules=True,
                )
            except SlotTaken:
                raise MachineBusy(_busy_message(link.machine)) from None
    for machine in wanted.values():
        reservation = _reserve(event, machine, by)
        event.machines.append(
            EventMachine(machine=machine, machine_id=machine.id, reservation=reservation)
        )
    db.session.flush()


def _reserve(event: Event, machine: Machine, by: User):
    try:
        return create_reservation(
            machine=machine,
            user=by,
            start=event.start_at,
            end=event.end_at,
            by=by,
            override_rules=True,
            note=_reservation_note(event),
        )
    except SlotTaken:
        raise MachineBusy(_busy_message(machine)) from None


def _busy_message(machine: Machine) -> str:
    return _("%(machine)s is already booked at that time.", machine=machine.name)


# --- queries ------------------------------------------------------------------------------------


def upcoming_events(
    *, kind: str | None = None, audience: str | None = None, now: datetime | None = None
) -> list[Event]:
    """Published events that have not ended, soonest first."""
    query = sa.select(Event).where(
        Event.status == EventStatus.PUBLISHED, Event.end_at > (now or utcnow())
    )
    if kind:
        query = query.where(Event.kind == kind)
    if audience:
        query = query.where(Event.audience == audience)
    return list(db.session.scalars(query.order_by(Event.start_at, Event.id)))


def all_events(*, include_past: bool = True) -> list[Event]:
    """Every event for the manager's list, latest first."""
    query = sa.select(Event)
    if not include_past:
        query = query.where(Event.end_at > utcnow())
    return list(db.session.scalars(query.order_by(Event.start_at.desc(), Event.id.desc())))
