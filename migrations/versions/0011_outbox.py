"""outbox: outgoing mail written with the change that causes it, sent by the jobs process

Revision ID: 0011_outbox
Revises: 0007_lifecycle
Create Date: 2026-11-30 14:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_outbox"
down_revision = "0008_offer"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')",
            name=op.f("ck_outbox_status_known"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts_not_negative")),
        sa.CheckConstraint(
            "kind IS NOT NULL OR (subject IS NOT NULL AND body IS NOT NULL)",
            name=op.f("ck_outbox_rendered_or_kind"),
        ),
        sa.CheckConstraint(
            "status <> 'sent' OR sent_at IS NOT NULL", name=op.f("ck_outbox_sent_has_time")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next_attempt", ["status", "next_attempt_at"])
        batch_op.create_index("ix_outbox_recipient", ["recipient"])
        batch_op.create_index("ix_outbox_created_at", ["created_at"])


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_created_at")
        batch_op.drop_index("ix_outbox_recipient")
        batch_op.drop_index("ix_outbox_status_next_attempt")
    op.drop_table("outbox")
