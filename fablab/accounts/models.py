"""People, companies and API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"


class Category(StrEnum):
    """Customer category: it chooses the price a person pays."""

    MEMBER = "member"
    PUBLIC = "public"
    REDUCED = "reduced"
    COMPANY = "company"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Company(db.Model):
    __tablename__ = "companies"
    __table_args__ = (sa.CheckConstraint("length(legal_name) > 0", name="legal_name_present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    siret: Mapped[Optional[str]] = mapped_column(sa.String(14))
    vat_number: Mapped[Optional[str]] = mapped_column(sa.String(20))
    billing_address: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employees: Mapped[list[User]] = relationship(back_populates="company", order_by="User.name")

    def __repr__(self) -> str:
        return f"<Company {self.legal_name}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(_in("role", Role), name="role_known"),
        sa.CheckConstraint(_in("category", Category), name="category_known"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    # Postal address, printed on the person's invoices (a French invoice names the buyer's).
    address: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr")
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.MEMBER.value)
    category: Mapped[str] = mapped_column(sa.String(20), default=Category.MEMBER.value)
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    is_company_contact: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session and remember cookie: raising it (logout, password change,
    # deactivation) makes every cookie issued before worthless.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The calendar feed link's secret, kept as its SHA-256 (the column kept its old
    # name when the plain tokens were hashed in place); the prefix is for display.
    calendar_token_hash: Mapped[Optional[str]] = mapped_column(
        "calendar_token", sa.String(64), unique=True
    )
    calendar_token_prefix: Mapped[Optional[str]] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Optional[Company]] = relationship(back_populates="employees")
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    def get_id(self) -> str:
        """What the session and the remember cookie carry: id, session version, login nonce.

        The nonce makes each login's cookies unique; the user loader checks the
        version (see ``accounts.auth.load_user``).
        """
        nonce = getattr(self, "_login_nonce", None) or secrets.token_urlsafe(9)
        return f"{self.id}:{self.session_version}:{nonce}"

    # Flask-Login reads is_active; a deactivated account cannot log in.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CompanyInvitation(db.Model):
    """An e-mailed invitation to join a company's account."""

    __tablename__ = "company_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
