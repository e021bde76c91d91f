"""Closed accounting periods: nothing is issued or paid with a date inside one."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.billing.models import AccountingClosing
from fablab.errors import DomainError
from fablab.extensions import db


class PeriodClosed(DomainError):
    status = 409
    code = "period_closed"


def closing_covering(day: date) -> AccountingClosing | None:
    return db.session.scalar(
        sa.select(AccountingClosing)
        .where(AccountingClosing.period_start <= day, AccountingClosing.period_end >= day)
        .limit(1)
    )


def check_open(day: date, field: str | None = None) -> None:
    """Raise PeriodClosed when ``day`` lies in a closed period."""
    closing = closing_covering(day)
    if closing is not None:
        raise PeriodClosed(
            _l(
                "The period %(start)s – %(end)s is closed: nothing can be dated inside it.",
                start=closing.period_start.isoformat(),
                end=closing.period_end.isoformat(),
            ),
            field=field,
        )


def last_closed_day() -> date | None:
    return db.session.scalar(sa.select(sa.func.max(AccountingClosing.period_end)))
