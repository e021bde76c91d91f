"""Calendar tokens: the long random secrets in feed URLs.

A person's token is ``User.calendar_token``; a company's is a
``CompanyCalendarToken``, which dies with its contact's role. Revoking means
replacing: the old URL then answers 404.
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


def _company_row(company: Company) -> CompanyCalendarToken | None:
    return db.session.scalar(
        sa.select(CompanyCalendarToken).where(CompanyCalendarToken.company_id == company.id)
    )


def _current_contact(company: Company) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .where(User.company_id == company.id, User.is_company_contact, User.active)
        .order_by(User.id)
    )


def company_token(company: Company, *, contact: User | None = None) -> str:
    """The company's token, issued to ``contact`` (default: its current contact).

    A token whose contact is no longer the company's active contact is replaced.
    """
    row = _company_row(company)
    if row is not None and row.is_live:
        return row.token
    return rotate_company_token(company, contact=contact)


def rotate_company_token(company: Company, *, contact: User | None = None) -> str:
    """Replace the company's token: the old feed URL stops working."""
    row = _company_row(company)
    if row is None:
        row = CompanyCalendarToken(company_id=company.id)
        db.session.add(row)
    row.token = new_calendar_token()
    row.contact = contact or _current_contact(company)
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
    """The company whose feed this token opens, while its contact still holds the role."""
    if not _plausible(token):
        return None
    row = db.session.scalar(
        sa.select(CompanyCalendarToken).where(CompanyCalendarToken.token == token)
    )
    return row.company if row is not None and row.is_live else None
