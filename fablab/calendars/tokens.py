"""Calendar tokens: the long random secrets in feed URLs.

A person's token is ``User.calendar_token``; a company's is a
``CompanyCalendarToken``. Revoking means replacing: the old URL then answers 404.
Every new account gets a token on insert (see ``models``), so ``GET /api/v1/me``
always has a ``calendar_url`` to give.
"""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.calendars.models import CompanyCalendarToken, new_calendar_token
from fablab.extensions import db
from fablab.timeutil import utcnow


def ensure_user_token(user: User) -> str:
    """The person's token, created when they have none yet."""
    if not user.calendar_token:
        user.calendar_token = new_calendar_token()
        db.session.flush()
    return user.calendar_token


def rotate_user_token(user: User) -> str:
    """Replace the person's token: the old feed URL stops working."""
    user.calendar_token = new_calendar_token()
    db.session.flush()
    return user.calendar_token


def company_token(company: Company) -> str:
    """The company's token, created on first use."""
    row = db.session.scalar(
        sa.select(CompanyCalendarToken).where(CompanyCalendarToken.company_id == company.id)
    )
    if row is None:
        row = CompanyCalendarToken(company_id=company.id, token=new_calendar_token())
        db.session.add(row)
        db.session.flush()
    return row.token


def rotate_company_token(company: Company) -> str:
    """Replace the company's token: the old feed URL stops working."""
    row = db.session.scalar(
        sa.select(CompanyCalendarToken).where(CompanyCalendarToken.company_id == company.id)
    )
    if row is None:
        row = CompanyCalendarToken(company_id=company.id)
        db.session.add(row)
    row.token = new_calendar_token()
    row.created_at = utcnow()
    db.session.flush()
    return row.token


def _plausible(token: str) -> bool:
    return 32 <= len(token) <= 64


def user_for_token(token: str) -> User | None:
    """The active person whose feed this token opens, or None."""
    if not _plausible(token):
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    if user is None or not user.active:
        return None
    return user


def company_for_token(token: str) -> Company | None:
    """The company whose feed this token opens, or None."""
    if not _plausible(token):
        return None
    return db.session.scalar(
        sa.select(Company)
        .join(CompanyCalendarToken, CompanyCalendarToken.company_id == Company.id)
        .where(CompanyCalendarToken.token == token)
    )
