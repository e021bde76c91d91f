"""waitlist: members waiting for a taken slot

Revision ID: 0002_waitlist
Revises: 0001_foundation
Create Date: 2026-11-23 14:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_waitlist"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

LIVE = "status IN ('waiting', 'offered')"


def upgrade():
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_waitlist_entries_end_after_start")),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'claimed', 'lapsed', 'left', 'expired')",
            name=op.f("ck_waitlist_entries_status_known"),
        ),
        sa.CheckConstraint(
            "status <> 'offered' OR (offered_at IS NOT NULL AND offer_expires_at IS NOT NULL)",
            name=op.f("ck_waitlist_entries_offer_has_expiry"),
        ),
        sa.CheckConstraint(
            "status <> 'claimed' OR claimed_at IS NOT NULL",
            name=op.f("ck_waitlist_entries_claim_has_time"),
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_waitlist_entries_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_waitlist_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_waitlist_entries_reservation_id_reservations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waitlist_entries_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_waitlist_machine_status", ["machine_id", "status"], unique=False)
        batch_op.create_index(
            "uq_waitlist_live_entry",
            ["user_id", "machine_id", "start_at", "end_at"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.drop_index("uq_waitlist_live_entry")
        batch_op.drop_index("ix_waitlist_machine_status")
        batch_op.drop_index(batch_op.f("ix_waitlist_entries_user_id"))
    op.drop_table("waitlist_entries")
