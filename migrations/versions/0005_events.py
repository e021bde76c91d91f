"""events: lab events, registrations and the machines they reserve

Revision ID: 0005_events
Revises: 0004_billing
Create Date: 2026-11-23 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_events"
down_revision = "0004_billing"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('pending_confirmation', 'confirmed', 'waitlisted')"


def create_events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title_fr", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("price_member_cents", sa.Integer(), nullable=False),
        sa.Column("price_public_cents", sa.Integer(), nullable=False),
        sa.Column("price_reduced_cents", sa.Integer(), nullable=False),
        sa.Column("price_company_cents", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('discovery_day', 'training', 'company_workshop', 'open_lab')",
            name=op.f("ck_events_kind_known"),
        ),
        sa.CheckConstraint(
            "audience IN ('public', 'members', 'companies')", name=op.f("ck_events_audience_known")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'cancelled')", name=op.f("ck_events_status_known")
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_events_end_after_start")),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_events_capacity_positive")),
        sa.CheckConstraint(
            "price_member_cents >= 0 AND price_public_cents >= 0 "
            "AND price_reduced_cents >= 0 AND price_company_cents >= 0",
            name=op.f("ck_events_prices_not_negative"),
        ),
        sa.CheckConstraint(
            "qualification_id IS NULL OR kind = 'training'",
            name=op.f("ck_events_qualification_for_training"),
        ),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_events_sequence_not_negative")),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_events_qualification_id_qualifications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_events_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_status_start", "events", ["status", "start_at"])
    op.create_index(op.f("ix_events_qualification_id"), "events", ["qualification_id"])


def create_registrations() -> None:
    op.create_table(
        "event_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("waitlist_position", sa.Integer(), nullable=True),
        sa.Column("first_visit", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending_confirmation', 'confirmed', 'waitlisted', 'cancelled')",
            name=op.f("ck_event_registrations_status_known"),
        ),
        sa.CheckConstraint("length(email) > 0", name=op.f("ck_event_registrations_email_present")),
        sa.CheckConstraint(
            "status <> 'waitlisted' OR waitlist_position IS NOT NULL",
            name=op.f("ck_event_registrations_waitlisted_has_position"),
        ),
        sa.CheckConstraint(
            "price_cents >= 0", name=op.f("ck_event_registrations_price_not_negative")
        ),
        sa.CheckConstraint(
            "category IN ('member', 'public', 'reduced', 'company')",
            name=op.f("ck_event_registrations_category_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_registrations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_event_registrations_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_registrations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_event_registrations_token_hash")),
    )
    op.create_index(op.f("ix_event_registrations_user_id"), "event_registrations", ["user_id"])
    op.create_index(
        "ix_event_registrations_event_status", "event_registrations", ["event_id", "status"]
    )
    # One active registration per e-mail address and event, whatever the case.
    op.create_index(
        "uq_event_registrations_active_email",
        "event_registrations",
        ["event_id", sa.text("lower(email)")],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def create_event_machines() -> None:
    op.create_table(
        "event_machines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_machines_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_event_machines_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_event_machines_reservation_id_reservations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_machines")),
        sa.UniqueConstraint("event_id", "machine_id", name="uq_event_machines_event_machine"),
    )
    op.create_index(op.f("ix_event_machines_machine_id"), "event_machines", ["machine_id"])


def upgrade():
    create_events()
    create_registrations()
    create_event_machines()


def downgrade():
    op.drop_table("event_machines")
    op.drop_index("uq_event_registrations_active_email", table_name="event_registrations")
    op.drop_table("event_registrations")
    op.drop_table("events")
