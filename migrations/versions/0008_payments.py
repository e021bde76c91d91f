"""payments: Checkout Sessions we created, Stripe events applied once, refunds, prepayment policy

Revision ID: 0008_payments
Revises: 0007_lifecycle
Create Date: 2026-11-30 14:20:24

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_payments"
down_revision = "0012_devices"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("billing_settings") as batch_op:
        batch_op.add_column(
            sa.Column("bank_iban", sa.String(length=34), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("bank_bic", sa.String(length=11), nullable=False, server_default="")
        )
    op.create_table(
        "event_payment_options",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("pay_at_desk", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_payment_options_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_payment_options")),
    )
    op.create_table(
        "payment_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prepay_member", sa.Boolean(), nullable=False),
        sa.Column("prepay_public", sa.Boolean(), nullable=False),
        sa.Column("prepay_reduced", sa.Boolean(), nullable=False),
        sa.Column("prepay_company", sa.Boolean(), nullable=False),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "hold_minutes BETWEEN 5 AND 60", name=op.f("ck_payment_settings_hold_minutes_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_settings")),
    )
    op.create_table(
        "checkouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("stripe_session_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'expired', 'refunded', 'failed')",
            name=op.f("ck_checkouts_status_known"),
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_checkouts_amount_not_negative")),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents",
            name=op.f("ck_checkouts_refund_within_amount"),
        ),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR company_id IS NOT NULL", name=op.f("ck_checkouts_has_customer")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_checkouts_company_id_companies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_checkouts_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_checkouts_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkouts")),
        sa.UniqueConstraint("stripe_session_id", name=op.f("uq_checkouts_stripe_session_id")),
    )
    with op.batch_alter_table("checkouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkouts_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkouts_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_checkouts_payment_intent_id"), ["payment_intent_id"], unique=False
        )
        batch_op.create_index(
            "ix_checkouts_purpose_reference", ["purpose", "reference_id"], unique=False
        )
        batch_op.create_index("ix_checkouts_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkouts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "checkout_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkout_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("stripe_refund_id", sa.String(length=255), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_checkout_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["checkouts.id"],
            name=op.f("fk_checkout_refunds_checkout_id_checkouts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_checkout_refunds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["invoices.id"],
            name=op.f("fk_checkout_refunds_credit_note_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkout_refunds")),
        sa.UniqueConstraint("stripe_refund_id", name=op.f("uq_checkout_refunds_stripe_refund_id")),
    )
    with op.batch_alter_table("checkout_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkout_refunds_checkout_id"), ["checkout_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_checkout_refunds_credit_note_id"), ["credit_note_id"], unique=False
        )

    op.create_table(
        "stripe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkout_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["checkouts.id"],
            name=op.f("fk_stripe_events_checkout_id_checkouts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_stripe_events_event_id")),
    )
    with op.batch_alter_table("stripe_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stripe_events_checkout_id"), ["checkout_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("stripe_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripe_events_checkout_id"))

    op.drop_table("stripe_events")
    with op.batch_alter_table("checkout_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkout_refunds_credit_note_id"))
        batch_op.drop_index(batch_op.f("ix_checkout_refunds_checkout_id"))

    op.drop_table("checkout_refunds")
    with op.batch_alter_table("checkouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkouts_user_id"))
        batch_op.drop_index("ix_checkouts_status_created")
        batch_op.drop_index("ix_checkouts_purpose_reference")
        batch_op.drop_index(batch_op.f("ix_checkouts_payment_intent_id"))
        batch_op.drop_index(batch_op.f("ix_checkouts_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_checkouts_company_id"))

    op.drop_table("checkouts")
    op.drop_table("payment_settings")
    op.drop_table("event_payment_options")
    with op.batch_alter_table("billing_settings") as batch_op:
        batch_op.drop_column("bank_bic")
        batch_op.drop_column("bank_iban")
