"""Secret calendar tokens: a company's here, a person's on ``User.calendar_token_hash``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class CompanyCalendarToken(db.Model):
    """The secret in a company's feed URL. One per company; a new one replaces it.

    It is issued to a contact and opens the feed only while that person is an
    active contact of the company (see ``is_live``).

    Only the token's SHA-256 is kept (the column kept its old name when the plain
    tokens were hashed in place): the URL is shown once, when the link is made.
    """

    __tablename__ = "company_calendar_tokens"
    __table_args__ = (sa.CheckConstraint("length(token) >= 32", name="token_long_enough"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column("token", sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12), default="", server_default="")
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


def hash_calendar_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
