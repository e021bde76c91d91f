"""The check-in list: attendance, walk-ins, and the qualification a training grants."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.accounts.models import Category, User
from fablab.errors import Forbidden
from fablab.events.errors import EventError, RegistrationStateError
from fablab.events.models import Event, EventKind, Registration, RegistrationStatus
from fablab.events.registrations import (
    active_registration,
    clean_email,
    insert_registration,
    lock_event,
)
from fablab.extensions import db
from fablab.timeutil import utcnow

# The check-in list opens this long before the start (people arrive early).
CHECKIN_OPENS_BEFORE = timedelta(hours=2)


def record_attendance(
    *,
    registration: Registration,
    by: User,
    attended: bool = True,
    now: datetime | None = None,
) -> Registration:
    """Tick (or untick) a confirmed person on the check-in list.

    Attending a training grants its qualification, valid for the
    qualification's ``validity_months``. A visitor without an account is
    matched to an account with the same e-mail address, when there is one.
    """
    from fablab.machines.services import grant_qualification

    now = now or utcnow()
    if not by.is_manager:
        raise Forbidden()
    event = registration.event
    if registration.status != RegistrationStatus.CONFIRMED or event.is_cancelled:
        raise RegistrationStateError(_("Only confirmed registrations can be checked in."))
    if now < event.start_at - CHECKIN_OPENS_BEFORE:
        raise RegistrationStateError(_("Check-in opens two hours before the event."))
    if not attended:
        registration.attended_at = None
        db.session.flush()
        return registration
    registration.attended_at = registration.attended_at or now
    if registration.user is None:
        registration.user = db.session.scalar(
            sa.select(User).where(User.email == registration.email.lower())
        )
    if event.kind == EventKind.TRAINING and event.qualification and registration.user:
        grant_qualification(
            user=registration.user,
            qualification=event.qualification,
            granted_by=by,
            source="training",
        )
    db.session.flush()
    return registration


def add_walk_in(
    *,
    event: Event,
    by: User,
    email: str,
    name: str,
    company_name: str = "",
    first_visit: bool = False,
    now: datetime | None = None,
) -> Registration:
    """Someone at the door who did not register: confirmed and present at once.

    They are there, so the capacity does not stop them; they pay on site.
    """
    if not by.is_manager:
        raise Forbidden()
    now = now or utcnow()
    event = lock_event(event)
    email = clean_email(email)
    if not name.strip():
        raise EventError(_("Give your name."), field="name")
    registration = active_registration(event, email)
    if registration is None:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        category = user.category if user else (
            Category.COMPANY.value if company_name.strip() else Category.PUBLIC.value
        )  # fmt: skip
        registration = Registration(
            event_id=event.id,
            user_id=user.id if user else None,
            email=email,
            name=name.strip(),
            company_name=company_name.strip(),
            locale=user.locale if user else "fr",
            first_visit=bool(first_visit),
            category=category,
            price_cents=event.price_for(category),
            status=RegistrationStatus.CONFIRMED.value,
        )
        insert_registration(registration)
    registration.status = RegistrationStatus.CONFIRMED.value
    registration.confirmed_at = registration.confirmed_at or now
    return record_attendance(registration=registration, by=by, now=now)
