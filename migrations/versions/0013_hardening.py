"""hardening: revocable sessions, company feed links bound to their contact

Revision ID: 0013_hardening
Revises: 0007_lifecycle
Create Date: 2026-11-30 14:30:00

``users.session_version`` is part of every session and remember cookie; raising
it ends them all (logout, password change, deactivation). Cookies issued before
this revision carry no version: everybody logs in once more.

``company_calendar_tokens.contact_id``: the contact a company feed link was issued
to; the link dies when that person stops being the company's active contact.
Existing links are given to the company's current contact, if it has one.

``idempotency_keys``: the first answer to an API POST sent with an Idempotency-Key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_hardening"
down_revision = "0010_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )


    with op.batch_alter_table("company_calendar_tokens") as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_company_calendar_tokens_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_company_calendar_tokens_contact_id_users"),
            "users",
            ["contact_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.execute(
        """
        UPDATE company_calendar_tokens SET contact_id = (
            SELECT min(users.id) FROM users
            WHERE users.company_id = company_calendar_tokens.company_id
              AND users.is_company_contact AND users.active
        )
        """
    )


    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caller", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("response_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("caller", "key", name=op.f("uq_idempotency_keys_caller")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("company_calendar_tokens") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_company_calendar_tokens_contact_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_company_calendar_tokens_contact_id"))
        batch_op.drop_column("contact_id")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
