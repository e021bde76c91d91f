"""Secret calendar tokens: a company's here, a person's on ``User.calendar_token``."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class CompanyCalendarToken(db.Model):
    """The secret in a company's feed URL. One per company; a new one replaces it.

    It is issued to a contact and opens the feed only while that person is an
    active contact of the company (see ``is_live``).

    The token itself is kept (not a hash) because the subscription page must be
    able to show the URL again; it is a 256-bit random secret.
    """

    __tablename__ = "company_calendar_tokens"
    __table_args__ = (sa.CheckConstraint("length(token) >= 32", name="token_long_enough"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The contact it was issued to: the link dies when they stop being the contact.
    contact_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )

    company: Mapped[Company] = relationship()
    contact: Mapped[Optional[User]] = relationship()

    @property
    def is_live(self) -> bool:
        """Whether the person it was issued to is still an active contact of the company."""
        contact = self.contact
        return (
            contact is not None
            and contact.active
            and contact.is_company_contact
            and contact.company_id == self.company_id
        )


# 32 random bytes -> 43 URL-safe characters (256 bits).
TOKEN_BYTES = 32


def new_calendar_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@event.listens_for(User, "before_insert")
def _give_new_user_a_token(mapper, connection, user: User) -> None:
    # Every account has a feed URL, so GET /api/v1/me can always give calendar_url.
    if not user.calendar_token:
        user.calendar_token = new_calendar_token()
