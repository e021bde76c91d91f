"""Registrations: register, confirm by e-mail, waitlist, cancel, attendance, reminders.

Capacity holds under concurrent registrations because counting the seats and
inserting happen in one transaction that first locks the event row
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every write transaction
already starts with ``BEGIN IMMEDIATE``, which serialises writers).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from fablab.accounts.models import Category, User
from fablab.errors import Forbidden, NotFound
from fablab.events import mails
from fablab.events.errors import (
    AlreadyRegistered,
    AudienceRestricted,
    EventError,
    RegistrationClosed,
    RegistrationStateError,
)
from fablab.events.models import (
    ACTIVE_REGISTRATION_STATUSES,
    Audience,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from fablab.extensions import db
from fablab.timeutil import utcnow

REMINDER_AHEAD = timedelta(hours=24)
# A visitor registering again while unconfirmed gets a fresh link, at most this often.
RESEND_AFTER = timedelta(minutes=2)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(registration: Registration) -> str:
    """A fresh secret for the e-mailed links; only its hash is kept (older links stop working)."""
    token = secrets.token_urlsafe(32)
    registration.token_hash = hash_token(token)
    return token


def lock_event(event: Event) -> Event:
    """Reload the event row under a write lock (PostgreSQL); SQLite is already serialised."""
    return db.session.scalars(
        sa.select(Event)
        .where(Event.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def confirmed_count(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def waitlist_rank(registration: Registration) -> int | None:
    """1 for the first person on the waitlist."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.waitlist_position <= registration.waitlist_position,
        )
    )


def seats_left(event: Event) -> int:
    return max(event.capacity - confirmed_count(event), 0)


def _seat(event: Event, now: datetime) -> dict:
    """A seat when one is free, else the next place on the waitlist (column values)."""
    if confirmed_count(event) < event.capacity:
        return {"status": RegistrationStatus.CONFIRMED.value, "confirmed_at": now}
    last = db.session.scalar(
        sa.select(sa.func.max(Registration.waitlist_position)).where(
            Registration.event_id == event.id
        )
    )
    return {"status": RegistrationStatus.WAITLISTED.value, "waitlist_position": (last or 0) + 1}


def _place(event: Event, registration: Registration, now: datetime) -> None:
    for name, value in _seat(event, now).items():
        setattr(registration, name, value)


def _check_open(event: Event, now: datetime) -> None:
    if event.status != EventStatus.PUBLISHED or event.start_at <= now:
        raise RegistrationClosed()


def _check_audience(event: Event, user: User | None, company_name: str) -> None:
    if user is not None and user.is_manager:
        return
    if event.audience == Audience.MEMBERS and user is None:
        raise AudienceRestricted(_("This event is for members: please log in to register."))
    if event.audience == Audience.COMPANIES:
        if user is not None and user.company_id is None:
            raise AudienceRestricted(_("This event is for companies."))
        if user is None and not company_name:
            raise AudienceRestricted(
                _("This event is for companies: give your company's name."), field="company_name"
            )


def clean_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise EventError(_("Enter a valid e-mail address."), field="email") from None


def active_registration(event: Event, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            sa.func.lower(Registration.email) == email.lower(),
            Registration.status.in_(ACTIVE_REGISTRATION_STATUSES),
        )
    )


def _from_account(user: User, name: str, company_name: str) -> tuple[str, str, str, str, str]:
    company = user.company.legal_name if user.company else company_name.strip()
    return user.email, user.name or name, company, user.locale, user.category


def _from_form(email: str, name: str, company_name: str) -> tuple[str, str, str, str]:
    email = clean_email(email)
    if not name.strip():
        raise EventError(_("Give your name."), field="name")
    company_name = company_name.strip()
    category = Category.COMPANY.value if company_name else Category.PUBLIC.value
    return email, name, company_name, category


def register(
    *,
    event: Event,
    user: User | None = None,
    email: str = "",
    name: str = "",
    company_name: str = "",
    first_visit: bool = False,
    locale: str = "fr",
    now: datetime | None = None,
    hold_confirmation: bool = False,
) -> Registration:
    """Register a person to ``event``.

    With an account the registration is confirmed at once (or waitlisted when
    full). Without one it waits for the e-mailed confirmation link and gets
    its seat (or waitlist place) when the link is followed. Registering again
    while a confirmation is pending sends a fresh link. ``hold_confirmation``: a
    seat about to be paid by card is confirmed by mail once paid (``announce``).
    """
    now = now or utcnow()
    event = lock_event(event)
    _check_open(event, now)
    if user is not None:
        email, name, company_name, locale, category = _from_account(user, name, company_name)
    else:
        email, name, company_name, category = _from_form(email, name, company_name)
    _check_audience(event, user, company_name)
    existing = active_registration(event, email)
    if existing is not None:
        return _register_again(event, existing, user, now, hold_confirmation)
    if user is not None:
        placement = _seat(event, now)
    else:
        placement = {"status": RegistrationStatus.PENDING_CONFIRMATION.value}
    registration = Registration(
        event_id=event.id,
        user_id=user.id if user else None,
        email=email,
        name=name.strip(),
        company_name=company_name,
        locale=locale if locale in ("fr", "en") else "fr",
        first_visit=bool(first_visit),
        category=category,
        price_cents=event.price_for(category),
        **placement,
    )
    token = new_token(registration)
    insert_registration(registration)
    _announce(registration, token, hold_confirmation=hold_confirmation)
    return registration


def _register_again(
    event: Event,
    existing: Registration,
    user: User | None,
    now: datetime,
    hold_confirmation: bool = False,
) -> Registration:
    if existing.status != RegistrationStatus.PENDING_CONFIRMATION:
        if user is not None:  # their own registration: telling them is no leak
            raise AlreadyRegistered()
        # A visitor's form must not tell who is registered: the answer stays "check your
        # mailbox", and the address's owner gets a reminder with a fresh link instead.
        if not existing.updated_at or existing.updated_at <= now - RESEND_AFTER:
            existing.updated_at = now
            mails.send_already_registered(existing, new_token(existing))
            db.session.flush()
        return existing
    if user is not None:  # logged in with that address: it is theirs, no link needed
        existing.user_id = user.id
        _place(event, existing, now)
    elif existing.updated_at and existing.updated_at > now - RESEND_AFTER:
        return existing  # a link was just sent: no mail flood to someone else's address
    token = new_token(existing)
    existing.updated_at = now
    db.session.flush()
    _announce(existing, token, hold_confirmation=hold_confirmation)
    return existing


def insert_registration(registration: Registration) -> None:
    """Insert in a SAVEPOINT: the unique index refuses a second active registration."""
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        raise AlreadyRegistered() from None
    db.session.expire(registration.event, ["registrations"])


def _announce(
    registration: Registration, token: str | None, *, hold_confirmation: bool = False
) -> None:
    if registration.status == RegistrationStatus.CONFIRMED:
        _charge(registration)
        if hold_confirmation:
            return
    announce(registration, token)


def announce(registration: Registration, token: str | None = None) -> None:
    """Mail the person where their registration stands (a fresh link token if none)."""
    token = token or new_token(registration)
    if registration.status == RegistrationStatus.PENDING_CONFIRMATION:
        mails.send_confirm_link(registration, token)
    elif registration.status == RegistrationStatus.CONFIRMED:
        mails.send_confirmed(registration, token)
    elif registration.status == RegistrationStatus.WAITLISTED:
        mails.send_waitlisted(registration, token, waitlist_rank(registration))


def _charge(registration: Registration) -> None:
    """Bill a paid seat to a person with an account (visitors pay at the door)."""
    if not registration.price_cents or registration.user is None:
        return
    from fablab.billing.charges import add_charge, payer_for

    company, _category = payer_for(registration.user, None)
    add_charge(
        kind="event",
        description=registration.event.title_fr,
        quantity_milli=1000,
        unit_price_cents=registration.price_cents,
        source_type="event_registration",
        source_id=registration.id,
        user=registration.user,
        company=company,
        occurred_at=registration.event.start_at,
    )


def drop_charge(registration: Registration) -> None:
    """A cancelled seat is not billed, unless it is already on an invoice."""
    from fablab.billing.charges import find_charge

    charge = find_charge("event", f"event_registration:{registration.id}")
    if charge is not None and not charge.is_invoiced:
        db.session.delete(charge)


def registration_for_token(token: str) -> Registration:
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.token_hash == hash_token(token or ""))
    )
    if registration is None:
        raise NotFound(_("This link is not valid any more."))
    return registration


def confirm_registration(*, token: str, now: datetime | None = None) -> Registration:
    """Follow the e-mailed link: the registration gets its seat or waitlist place.

    Following it again changes nothing.
    """
    now = now or utcnow()
    registration = registration_for_token(token)
    if registration.status != RegistrationStatus.PENDING_CONFIRMATION:
        if registration.status == RegistrationStatus.CANCELLED:
            raise RegistrationStateError(_("This registration was cancelled."))
        return registration
    event = lock_event(registration.event)
    _check_open(event, now)
    _place(event, registration, now)
    db.session.flush()
    _announce(registration, token)
    return registration


def can_manage_registration(user: User | None, registration: Registration) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_manager or registration.user_id == user.id


def cancel_registration(
    *, registration: Registration, by: User | None = None, now: datetime | None = None
) -> list[Registration]:
    """Cancel a registration (its owner, a manager, or the e-mailed link with ``by=None``).

    A freed seat goes to the first person on the waitlist, who is told by e-mail.
    Returns the people moved up.
    """
    now = now or utcnow()
    if by is not None and not can_manage_registration(by, registration):
        raise Forbidden()
    if not registration.is_active:
        raise RegistrationStateError()
    event = lock_event(registration.event)
    manager = by is not None and by.is_manager
    if event.start_at <= now and not manager:
        raise RegistrationStateError(_("The event has started: it is too late to cancel."))
    db.session.refresh(registration)
    if not registration.is_active:  # cancelled meanwhile by another request
        raise RegistrationStateError()
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED.value
    registration.cancelled_at = now
    if was_confirmed:
        drop_charge(registration)
    db.session.flush()
    mails.send_registration_cancelled(registration)
    return promote_waitlist(event=event, now=now) if was_confirmed else []


def promote_waitlist(*, event: Event, now: datetime | None = None) -> list[Registration]:
    """Give free seats to the waitlist, first come first served; each person is told."""
    now = now or utcnow()
    free = event.capacity - confirmed_count(event)
    if free <= 0 or event.status != EventStatus.PUBLISHED:
        return []
    promoted = list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.waitlist_position)
            .limit(free)
        )
    )
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED.value
        registration.confirmed_at = now
    db.session.flush()
    for registration in promoted:
        _charge(registration)
        mails.send_promoted(registration, new_token(registration))
    db.session.flush()
    return promoted


def send_due_reminders(*, now: datetime | None = None, ahead: timedelta = REMINDER_AHEAD) -> int:
    """E-mail confirmed people whose event starts within ``ahead``; once each."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.reminder_sent_at.is_(None),
            Event.status == EventStatus.PUBLISHED,
            Event.start_at > now,
            Event.start_at <= now + ahead,
        )
        .order_by(Registration.id)
    ).all()
    for registration in due:
        registration.reminder_sent_at = now
        mails.send_reminder(registration, new_token(registration))
    db.session.flush()
    return len(due)


def registrations_of(user: User) -> list[Registration]:
    """A person's registrations made with their account, latest event first."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.user_id == user.id)
            .order_by(Event.start_at.desc(), Registration.id.desc())
        )
    )


def has_started(event: Event, now: datetime | None = None) -> bool:
    return event.start_at <= (now or utcnow())
