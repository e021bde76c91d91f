"""hardening: revocable sessions

Revision ID: 0013_hardening
Revises: 0007_lifecycle
Create Date: 2026-11-30 14:30:00

``users.session_version`` is part of every session and remember cookie; raising
it ends them all (logout, password change, deactivation). Cookies issued before
this revision carry no version: everybody logs in once more.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_hardening"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
