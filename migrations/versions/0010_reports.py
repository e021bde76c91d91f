"""reports: saved pricing scenarios, the lab's costs, grants received

Revision ID: 0010_reports
Revises: 0007_lifecycle
Create Date: 2026-11-30 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_reports"
down_revision = "0011_outbox"
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


    op.create_table(
        "lab_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('rent', 'staff', 'insurance', 'maintenance', 'materials', 'other')",
            name=op.f("ck_lab_costs_category_known"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_lab_costs_amount_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_lab_costs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"], ["machines.id"], name=op.f("fk_lab_costs_machine_id_machines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_costs")),
    )
    op.create_index("ix_lab_costs_month", "lab_costs", ["month"])
    op.create_index(op.f("ix_lab_costs_machine_id"), "lab_costs", ["machine_id"])
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(length=200), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_grants_amount_positive")),
        sa.CheckConstraint("length(funder) > 0", name=op.f("ck_grants_funder_present")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_grants_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"], ["machines.id"], name=op.f("fk_grants_machine_id_machines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
    )
    op.create_index(op.f("ix_grants_received_on"), "grants", ["received_on"])
    op.create_index(op.f("ix_grants_machine_id"), "grants", ["machine_id"])


def downgrade():
    op.drop_table("grants")
    op.drop_table("lab_costs")
    op.drop_table("pricing_scenarios")
