"""scale: indexes for the usage lists newest first (all sessions, a person's sessions)

Revision ID: 0014_scale
Revises: 0007_lifecycle
Create Date: 2026-11-30 15:25:00
"""

from alembic import op

revision = "0014_scale"
down_revision = "0013_hardening"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_usage_sessions_started", "usage_sessions", ["started_at"])
    op.create_index("ix_usage_sessions_user_started", "usage_sessions", ["user_id", "started_at"])


def downgrade():
    op.drop_index("ix_usage_sessions_user_started", table_name="usage_sessions")
    op.drop_index("ix_usage_sessions_started", table_name="usage_sessions")
