"""Calendar tokens: the long random secrets in feed URLs.

Only a token's SHA-256 and its first characters are stored (like API tokens):
the full URL is shown once, when the link is made, and a feed request is
looked up by the hash. A person's is on ``User``; a company's is a
``CompanyCalendarToken``, which dies with its contact's role. Revoking means
replacing: the old URL then answers 404.
"""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.calendars.models import CompanyCalendarToken, hash_calendar_token, new_calendar_token
from fablab.extensions import db
from fablab.timeutil import utcnow

PREFIX_LENGTH = 6


def rotate_user_token(user: User) -> str:
    """Give the person a new feed token and return it (shown once): the old URL stops working."""
    token = new_calendar_token()
    user.calendar_token_hash = hash_calendar_token(token)
    user.calendar_token_prefix = token[:PREFIX_LENGTH]
    db.session.flush()
    return token


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


def live_company_token(company: Company) -> CompanyCalendarToken | None:
    """The company's link while its contact still holds the role (to show its prefix)."""
    row = _company_row(company)
    return row if row is not None and row.is_live else None


def rotate_company_token(company: Company, *, contact: User | None = None) -> str:
    """Give the company a new feed token, issued to ``contact`` (default: its current
    contact), and return it (shown once): the old URL stops working."""
    row = _company_row(company)
    if row is None:
        row = CompanyCalendarToken(company_id=company.id)
        db.session.add(row)
    token = new_calendar_token()
    row.token_hash = hash_calendar_token(token)
    row.prefix = token[:PREFIX_LENGTH]
    row.contact = contact or _current_contact(company)
    row.created_at = utcnow()
    db.session.flush()
    return token


def _plausible(token: str) -> bool:
    return 32 <= len(token) <= 64


def user_for_token(token: str) -> User | None:
    """The active person whose feed this token opens, or None."""
    if not _plausible(token):
        return None
    user = db.session.scalar(
        sa.select(User).where(User.calendar_token_hash == hash_calendar_token(token))
    )
    if user is None or not user.active:
        return None
    return user


def company_for_token(token: str) -> Company | None:
    """The company whose feed this token opens, while its contact still holds the role."""
    if not _plausible(token):
        return None
    row = db.session.scalar(
        sa.select(CompanyCalendarToken).where(
            CompanyCalendarToken.token_hash == hash_calendar_token(token)
        )
    )
    return row.company if row is not None and row.is_live else None
