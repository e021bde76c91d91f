"""Load-and-authorise helpers and read queries of the usage domain."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.errors import Forbidden, NotFound
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.usage.models import DeviceToken, UsageSession


def get_machine_or_404(machine_id: int) -> Machine:
    machine = db.session.get(Machine, machine_id)
    if machine is None:
        raise NotFound(_("No such machine."))
    return machine


def get_session_or_404(session_id: int) -> UsageSession:
    session = db.session.get(UsageSession, session_id)
    if session is None:
        raise NotFound(_("No such usage session."))
    return session


def get_session_for(session_id: int, user: User) -> UsageSession:
    """The session if ``user`` may see it (theirs, or any for a manager); else 404."""
    session = get_session_or_404(session_id)
    if not user.is_manager and session.user_id != user.id:
        raise NotFound(_("No such usage session."))
    return session


def get_device_token_or_404(token_id: int, machine: Machine) -> DeviceToken:
    token = db.session.get(DeviceToken, token_id)
    if token is None or token.machine_id != machine.id:
        raise NotFound(_("No such device token."))
    return token


def find_user(*, user_id: int | None = None, email: str | None = None) -> User:
    """The active person a device or a manager names, by id or e-mail (404 otherwise)."""
    user = None
    if user_id is not None:
        user = db.session.get(User, user_id)
    elif email:
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(_("No account with this e-mail or id."), field="user")
    if not user.active:
        raise Forbidden(_("This account is deactivated."), field="user")
    return user


def users_for_choice() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active).order_by(User.email)))


def device_session_counts(since) -> dict[tuple[int, str], int]:
    """Sessions started since ``since`` per (machine id, source): what each device recorded."""
    rows = db.session.execute(
        sa.select(UsageSession.machine_id, UsageSession.source, sa.func.count())
        .where(UsageSession.started_at >= since)
        .group_by(UsageSession.machine_id, UsageSession.source)
    ).all()
    return {(machine_id, source): count for machine_id, source, count in rows}


def all_device_tokens() -> list[DeviceToken]:
    return list(
        db.session.scalars(
            sa.select(DeviceToken)
            .where(DeviceToken.revoked_at.is_(None))
            .order_by(DeviceToken.machine_id, DeviceToken.id)
        )
    )
