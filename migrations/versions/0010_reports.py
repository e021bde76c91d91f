"""reports: saved pricing scenarios

Revision ID: 0010_reports
Revises: 0007_lifecycle
Create Date: 2026-11-30 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_reports"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None

PERCENT_COLUMNS = (
    "member_rate_pct",
    "public_rate_pct",
    "reduced_rate_pct",
    "company_rate_pct",
    "material_pct",
    "volume_pct",
)


def upgrade():
    op.create_table(
        "pricing_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *(sa.Column(column, sa.Integer(), nullable=False) for column in PERCENT_COLUMNS),
        sa.Column("membership_fee_cents", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *(
            sa.CheckConstraint(
                f"{column} >= -100 AND {column} <= 1000",
                name=op.f(f"ck_pricing_scenarios_{column}_range"),
            )
            for column in PERCENT_COLUMNS
        ),
        sa.CheckConstraint(
            "membership_fee_cents IS NULL OR membership_fee_cents >= 0",
            name=op.f("ck_pricing_scenarios_membership_fee_not_negative"),
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_pricing_scenarios_name_present")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_pricing_scenarios_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_scenarios")),
        sa.UniqueConstraint("name", name=op.f("uq_pricing_scenarios_name")),
    )


def downgrade():
    op.drop_table("pricing_scenarios")
