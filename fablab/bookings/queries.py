"""Load-and-authorise helpers and the reservation lists each person may see."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from fablab.accounts.models import User
from fablab.bookings.models import Reservation
from fablab.bookings.services import can_manage_reservation
from fablab.errors import Forbidden, NotFound
from fablab.extensions import db
from fablab.machines.models import Machine, MachineStatus


def get_machine_or_404(machine_id: int) -> Machine:
    machine = db.session.get(Machine, machine_id)
    if machine is None or machine.status == MachineStatus.RETIRED:
        raise NotFound(_l("This machine does not exist."))
    return machine


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(_l("This person does not exist."))
    return user


def get_reservation_for(reservation_id: int, viewer: User) -> Reservation:
    """The reservation, 404 when missing, 403 when ``viewer`` may not manage it."""
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None:
        raise NotFound(_l("This booking does not exist."))
    if not can_manage_reservation(viewer, reservation):
        raise Forbidden()
    return reservation


def visible_to(viewer: User) -> sa.Select:
    """Reservations ``viewer`` may see: their own, their company's (contacts), all (managers)."""
    query = sa.select(Reservation)
    if viewer.is_manager:
        return query
    condition = Reservation.user_id == viewer.id
    if viewer.is_company_contact and viewer.company_id:
        condition = sa.or_(condition, Reservation.company_id == viewer.company_id)
    return query.where(condition)


def filtered_reservations(
    *,
    viewer: User,
    machine_id: int | None = None,
    user_id: int | None = None,
    user_ids: sa.Select | None = None,
    status: str | list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> sa.Select:
    """The query of reservations visible to ``viewer`` meeting the filters, unordered.

    Time filters keep the bookings overlapping [start, end); ``user_ids`` is a
    subquery of people (a name searched without picking one person).
    """
    query = visible_to(viewer)
    if machine_id is not None:
        query = query.where(Reservation.machine_id == machine_id)
    if user_id is not None:
        query = query.where(Reservation.user_id == user_id)
    if user_ids is not None:
        query = query.where(Reservation.user_id.in_(user_ids))
    if isinstance(status, str):
        query = query.where(Reservation.status == status)
    elif status:
        query = query.where(Reservation.status.in_(status))
    if start is not None:
        query = query.where(Reservation.end_at > start)
    if end is not None:
        query = query.where(Reservation.start_at < end)
    return query


def with_people_and_machines(query: sa.Select) -> sa.Select:
    # The lists show each booking's machine and person: load them in two queries, not N.
    return query.options(
        selectinload(Reservation.machine),
        selectinload(Reservation.user),
        selectinload(Reservation.company),
    )


def list_reservations(
    *,
    viewer: User,
    newest_first: bool = False,
    limit: int | None = 500,
    **filters,
) -> list[Reservation]:
    """Reservations visible to ``viewer`` meeting the filters (time filters by overlap)."""
    query = with_people_and_machines(filtered_reservations(viewer=viewer, **filters))
    order = Reservation.start_at.desc() if newest_first else Reservation.start_at
    query = query.order_by(order, Reservation.id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))
