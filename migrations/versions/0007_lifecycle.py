"""lifecycle: completed bookings are stamped; indexes for the time window and the list orders

Revision ID: 0007_lifecycle
Revises: 0006_calendars
Create Date: 2026-11-30 14:40:00

Data: past bookings left ``confirmed`` (nothing completed them before) become
``completed`` when they were checked in or used, ``no_show`` otherwise.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_lifecycle"
down_revision = "0006_calendars"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER reservations_no_overlap_{name}
BEFORE {event} ON reservations
FOR EACH ROW WHEN NEW.status IN ('held', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'reservation_overlap')
    WHERE EXISTS (
        SELECT 1 FROM reservations AS r
        WHERE r.machine_id = NEW.machine_id
          AND r.id IS NOT NEW.id
          AND r.status IN ('held', 'confirmed')
          AND r.start_at < NEW.blocked_until
          AND NEW.start_at < r.blocked_until
    );
END
"""

CHECKS = {
    "prepaid_not_negative": "prepaid_minutes >= 0",
    "completed_is_stamped": "status <> 'completed' OR completed_at IS NOT NULL",
}


def _recreate_sqlite_guard():
    # A batch "move and copy" rebuilds the table on SQLite and drops its triggers.
    op.execute("DROP TRIGGER IF EXISTS reservations_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS reservations_no_overlap_update")
    op.execute(SQLITE_TRIGGER.format(name="insert", event="INSERT"))
    op.execute(SQLITE_TRIGGER.format(name="update", event="UPDATE"))


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("reservations", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(
            sa.Column("bill_cancellation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("completed_via", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("prepaid_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        for name, condition in CHECKS.items():
            batch.create_check_constraint(name, condition)
        batch.drop_index("ix_reservations_user_id")
        batch.create_index("ix_reservations_user_start", ["user_id", "start_at"], unique=False)
        batch.create_index("ix_reservations_start", ["start_at"], unique=False)
        batch.create_index(
            "ix_reservations_machine_blocked_until", ["machine_id", "blocked_until"], unique=False
        )
        batch.create_index("ix_reservations_status_end", ["status", "end_at"], unique=False)
    if sqlite:
        _recreate_sqlite_guard()
    with op.batch_alter_table("billing_settings") as batch:
        for name in ("bill_no_shows", "bill_late_cancellations"):
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true()))
    _complete_past_bookings()


def _complete_past_bookings():
    """Bookings whose blocked time is over and that are still 'confirmed' get their real end."""
    used = "EXISTS (SELECT 1 FROM usage_sessions AS u WHERE u.reservation_id = reservations.id)"
    now = sa.bindparam("now", value=_now(), type_=sa.DateTime(timezone=True))
    op.execute(
        sa.text(
            "UPDATE reservations SET status = 'completed', completed_at = :now, "
            "completed_via = 'scheduler', sequence = sequence + 1 "
            "WHERE status = 'confirmed' AND blocked_until <= :now "
            "AND (checked_in_at IS NOT NULL OR " + used + ")"
        ).bindparams(now)
    )
    op.execute(
        sa.text(
            "UPDATE reservations SET status = 'no_show', sequence = sequence + 1 "
            "WHERE status = 'confirmed' AND end_at <= :now AND checked_in_at IS NULL"
        ).bindparams(now)
    )


def _now():
    """Now in UTC, as the app stores it (naive UTC text on SQLite)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("billing_settings") as batch:
        batch.drop_column("bill_late_cancellations")
        batch.drop_column("bill_no_shows")
    with op.batch_alter_table("reservations", recreate="always" if sqlite else "auto") as batch:
        batch.drop_index("ix_reservations_status_end")
        batch.drop_index("ix_reservations_machine_blocked_until")
        batch.drop_index("ix_reservations_start")
        batch.drop_index("ix_reservations_user_start")
        batch.create_index("ix_reservations_user_id", ["user_id"], unique=False)
        for name in CHECKS:
            batch.drop_constraint(name, type_="check")
        for column in (
            "prepaid_minutes",
            "completed_via",
            "completed_at",
            "confirmed_at",
            "bill_cancellation",
        ):
            batch.drop_column(column)
    if sqlite:
        _recreate_sqlite_guard()
