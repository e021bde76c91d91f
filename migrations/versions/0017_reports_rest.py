"""reports, the rest: partner organisations linked to events, the customer segment kept on
each invoice and credit note, grants shared between several machines

Revision ID: 0017_reports_rest
Revises: 0015_public
Create Date: 2026-11-30 17:30:00

Existing documents get the segment their buyer has today (a company, or the person's
customer category; a credit note its invoice's): the same segment the reports showed
before this revision, so no figure moves. The segment is not hashed: the chain stays
valid. Existing grants for one machine become one share of their whole amount.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_reports_rest"
down_revision = "0016_feed_token_hashes"
branch_labels = None
depends_on = None

SEGMENTS = "customer_segment IN ('member', 'public', 'reduced', 'company')"
PARTNER_KINDS = (
    "kind IN ('school', 'university', 'chamber_of_commerce', 'cluster', 'company', "
    "'association', 'other')"
)
# Issued documents refuse UPDATE (0004_billing): the backfill lifts the guard for itself.
SQLITE_READONLY = """
CREATE TRIGGER invoices_readonly
BEFORE UPDATE ON invoices
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'issued_document_readonly');
END
"""
BACKFILL_INVOICES = """
UPDATE invoices SET customer_segment = CASE
    WHEN company_id IS NOT NULL THEN 'company'
    ELSE COALESCE((SELECT users.category FROM users WHERE users.id = invoices.user_id), 'public')
END
WHERE doc_type = 'invoice'
"""
BACKFILL_CREDIT_NOTES = """
UPDATE invoices SET customer_segment = (
    SELECT credited.customer_segment FROM invoices AS credited
    WHERE credited.id = invoices.credited_invoice_id
)
WHERE doc_type = 'credit_note'
"""


def _partners():
    op.create_table(
        "partner_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("town", sa.String(length=120), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(PARTNER_KINDS, name=op.f("ck_partner_organisations_kind_known")),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_partner_organisations_name_present")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_organisations_name")),
    )
    op.create_table(
        "event_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_partners_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner_organisations.id"],
            name=op.f("fk_event_partners_partner_id_partner_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_partners")),
        sa.UniqueConstraint("event_id", "partner_id", name="uq_event_partners_event_partner"),
    )
    op.create_index(op.f("ix_event_partners_partner_id"), "event_partners", ["partner_id"])


def _grant_shares():
    op.create_table(
        "grant_machines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_grant_machines_amount_positive")),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_machines_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_grant_machines_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_machines")),
        sa.UniqueConstraint("grant_id", "machine_id", name="uq_grant_machines_grant_machine"),
    )
    op.create_index(op.f("ix_grant_machines_machine_id"), "grant_machines", ["machine_id"])
    op.execute(
        "INSERT INTO grant_machines (grant_id, machine_id, amount_cents) "
        "SELECT id, machine_id, amount_cents FROM grants WHERE machine_id IS NOT NULL"
    )
    with op.batch_alter_table("grants") as batch:
        batch.drop_index("ix_grants_machine_id")
        batch.drop_constraint("fk_grants_machine_id_machines", type_="foreignkey")
        batch.drop_column("machine_id")


def _invoice_segments():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.add_column(
            "invoices",
            sa.Column("customer_segment", sa.String(20), nullable=False, server_default="public"),
        )
        op.create_check_constraint(op.f("ck_invoices_customer_segment_known"), "invoices", SEGMENTS)
        op.execute("DROP TRIGGER invoices_readonly ON invoices")
    else:
        # A column CHECK: SQLite adds it without rebuilding the table (and its guards).
        op.execute(
            "ALTER TABLE invoices ADD COLUMN customer_segment VARCHAR(20) DEFAULT 'public' "
            f"NOT NULL CONSTRAINT ck_invoices_customer_segment_known CHECK ({SEGMENTS})"
        )
        op.execute("DROP TRIGGER invoices_readonly")
    op.execute(BACKFILL_INVOICES)
    op.execute(BACKFILL_CREDIT_NOTES)
    if postgresql:
        op.execute(
            "CREATE TRIGGER invoices_readonly BEFORE UPDATE ON invoices "
            "FOR EACH ROW EXECUTE FUNCTION billing_refuse_update()"
        )
    else:
        op.execute(SQLITE_READONLY)


def upgrade():
    _partners()
    _grant_shares()
    _invoice_segments()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_invoices_customer_segment_known"), "invoices", type_="check")
    op.drop_column("invoices", "customer_segment")
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("machine_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_grants_machine_id_machines",
            "machines",
            ["machine_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_grants_machine_id", ["machine_id"])
    # A grant shared by several machines keeps its first machine only.
    op.execute(
        "UPDATE grants SET machine_id = (SELECT machine_id FROM grant_machines "
        "WHERE grant_machines.grant_id = grants.id ORDER BY grant_machines.id LIMIT 1)"
    )
    op.drop_index(op.f("ix_grant_machines_machine_id"), table_name="grant_machines")
    op.drop_table("grant_machines")
    op.drop_index(op.f("ix_event_partners_partner_id"), table_name="event_partners")
    op.drop_table("event_partners")
    op.drop_table("partner_organisations")
