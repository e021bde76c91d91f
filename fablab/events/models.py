"""Events the lab runs and the people registered to them.

Capacity is enforced by counting and inserting in one write transaction
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on the event row on
PostgreSQL, see ``fablab.events.services``). A person (e-mail) holds at most
one active registration per event: a unique index on ``(event_id, lower(email))``
for the active statuses.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Category, User
from fablab.bookings.models import Reservation
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine, Qualification
from fablab.timeutil import utcnow


class EventKind(StrEnum):
    DISCOVERY_DAY = "discovery_day"
    TRAINING = "training"
    COMPANY_WORKSHOP = "company_workshop"
    OPEN_LAB = "open_lab"


class Audience(StrEnum):
    PUBLIC = "public"  # anyone, with or without an account
    MEMBERS = "members"  # people with an account
    COMPANIES = "companies"  # company employees (or visitors naming their company)


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"  # anonymous, e-mail not yet confirmed
    CONFIRMED = "confirmed"  # holds a seat
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# Statuses that keep the e-mail address "taken" for the event.
ACTIVE_REGISTRATION_STATUSES = (
    RegistrationStatus.PENDING_CONFIRMATION.value,
    RegistrationStatus.CONFIRMED.value,
    RegistrationStatus.WAITLISTED.value,
)
_ACTIVE_SQL = "status IN ('pending_confirmation', 'confirmed', 'waitlisted')"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", EventKind), name="kind_known"),
        sa.CheckConstraint(_in("audience", Audience), name="audience_known"),
        sa.CheckConstraint(_in("status", EventStatus), name="status_known"),
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint(
            "price_member_cents >= 0 AND price_public_cents >= 0 "
            "AND price_reduced_cents >= 0 AND price_company_cents >= 0",
            name="prices_not_negative",
        ),
        sa.CheckConstraint(
            "qualification_id IS NULL OR kind = 'training'", name="qualification_for_training"
        ),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        sa.Index("ix_events_status_start", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title_fr: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    capacity: Mapped[int] = mapped_column()
    # Price per customer category in integer cents, excluding VAT (as machine rates); 0 = free.
    price_member_cents: Mapped[int] = mapped_column(default=0)
    price_public_cents: Mapped[int] = mapped_column(default=0)
    price_reduced_cents: Mapped[int] = mapped_column(default=0)
    price_company_cents: Mapped[int] = mapped_column(default=0)
    audience: Mapped[str] = mapped_column(sa.String(20), default=Audience.PUBLIC.value)
    # Trainings: attending grants this qualification (expiry from its validity_months).
    qualification_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("qualifications.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=EventStatus.DRAFT.value)
    # iCalendar SEQUENCE: grows with every change a calendar client must see.
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    qualification: Mapped[Optional[Qualification]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Registration.id"
    )
    machines: Mapped[list[EventMachine]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventMachine.id"
    )

    def title_for(self, locale: str | None) -> str:
        """The title in the given language, falling back to French."""
        if locale == "en" and self.title_en:
            return self.title_en
        return self.title_fr

    def description_for(self, locale: str | None) -> str:
        if locale == "en" and self.description_en:
            return self.description_en
        return self.description_fr

    def price_for(self, category: str) -> int:
        """Price in cents for a customer category."""
        return {
            Category.MEMBER: self.price_member_cents,
            Category.PUBLIC: self.price_public_cents,
            Category.REDUCED: self.price_reduced_cents,
            Category.COMPANY: self.price_company_cents,
        }[Category(category)]

    @property
    def is_free(self) -> bool:
        return not any(
            (
                self.price_member_cents,
                self.price_public_cents,
                self.price_reduced_cents,
                self.price_company_cents,
            )
        )

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.start_at}>"


class Registration(db.Model):
    __tablename__ = "event_registrations"
    __table_args__ = (
        sa.CheckConstraint(_in("status", RegistrationStatus), name="status_known"),
        sa.CheckConstraint("length(email) > 0", name="email_present"),
        sa.CheckConstraint(
            "status <> 'waitlisted' OR waitlist_position IS NOT NULL",
            name="waitlisted_has_position",
        ),
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint(_in("category", Category), name="category_known"),
        sa.Index(
            "uq_event_registrations_active_email",
            "event_id",
            sa.func.lower(sa.column("email")),
            unique=True,
            sqlite_where=sa.text(_ACTIVE_SQL),
            postgresql_where=sa.text(_ACTIVE_SQL),
        ),
        sa.Index("ix_event_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # NULL for people without an account (they give name, e-mail, company).
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    company_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # Language of the e-mails sent to this person.
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr")
    status: Mapped[str] = mapped_column(sa.String(24))
    # SHA-256 of the e-mailed secret (confirmation and self-service cancellation link).
    token_hash: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    waitlist_position: Mapped[Optional[int]] = mapped_column()
    # Asked on the form: first time at the lab (funder metrics).
    first_visit: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str] = mapped_column(sa.String(20), default=Category.PUBLIC.value)
    price_cents: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    attended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    user: Mapped[Optional[User]] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REGISTRATION_STATUSES

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} {self.status}>"


class EventMachine(db.Model):
    """A machine an event uses; its reservation makes it busy in the bookings calendar."""

    __tablename__ = "event_machines"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "machine_id", name="uq_event_machines_event_machine"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    machine_id: Mapped[int] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    reservation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship(back_populates="machines")
    machine: Mapped[Machine] = relationship()
    reservation: Mapped[Optional[Reservation]] = relationship()


class PartnerKind(StrEnum):
    SCHOOL = "school"
    UNIVERSITY = "university"
    CHAMBER_OF_COMMERCE = "chamber_of_commerce"
    CLUSTER = "cluster"
    COMPANY = "company"
    ASSOCIATION = "association"
    OTHER = "other"


class PartnerOrganisation(db.Model):
    """An organisation the lab runs events with (a school, a chamber of commerce…)."""

    __tablename__ = "partner_organisations"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", PartnerKind), name="kind_known"),
        sa.CheckConstraint("length(name) > 0", name="name_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    town: Mapped[str] = mapped_column(sa.String(120), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PartnerOrganisation {self.id} {self.name!r}>"


class EventPartner(db.Model):
    """A partner organisation linked to an event (several per event)."""

    __tablename__ = "event_partners"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "partner_id", name="uq_event_partners_event_partner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_organisations.id", ondelete="RESTRICT"), index=True
    )

    partner: Mapped[PartnerOrganisation] = relationship()
