"""accounting: VAT regime, seller identity, chart of accounts, buyer address, line kind and
service date, hashed payments, stored PDFs, period closings, DELETE guards

Revision ID: 0009_accounting
Revises: 0007_lifecycle

Issued documents, their lines, their stored PDFs, payments and closings can no
longer be deleted (triggers on SQLite and PostgreSQL); stored PDFs and closings
can no longer be updated either. Documents issued before this revision keep
``hash_version = 1`` (their hash does not cover the new fields).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_accounting"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None

DEFAULT_PRIVATE_PAYMENT_TEXT = "Pas d'escompte pour paiement anticipé."
# The default chart of accounts as of this revision (fablab/billing/models.py DEFAULT_CHART).
DEFAULT_CHART = """revenue.machine_time = 706100
revenue.consumable = 707000
revenue.membership = 756000
revenue.event = 706300
revenue.pack = 706200
revenue.other = 706000
vat.2000 = 445712
vat.1000 = 445711
vat.550 = 445713
vat.210 = 445714
vat.other = 445710
customers = 411000
payment.transfer = 512000
payment.cheque = 511200
payment.card = 511500
payment.stripe = 511700
payment.cash = 530000"""

NO_DELETE = ("invoices", "invoice_lines", "payments", "invoice_files", "accounting_closings")
NO_UPDATE = ("invoice_files", "accounting_closings")

SQLITE_GUARD = """
CREATE TRIGGER {table}_no{verb}
BEFORE {event} ON {table}
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'issued_document_readonly');
END
"""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION billing_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'issued_document_readonly: % %', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""


def _guards():
    return [(t, "delete", "DELETE") for t in NO_DELETE] + [
        (t, "update", "UPDATE") for t in NO_UPDATE
    ]


def create_guards():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for table, verb, event in _guards():
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_no{verb} BEFORE {event} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_refuse_delete()"
            )
        else:
            op.execute(SQLITE_GUARD.format(table=table, verb=verb, event=event))


def drop_guards():
    dialect = op.get_bind().dialect.name
    for table, verb, _event in _guards():
        suffix = f" ON {table}" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no{verb}{suffix}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS billing_refuse_delete()")


def _text(name, length=None, default=""):
    kind = sa.String(length=length) if length else sa.Text()
    return sa.Column(name, kind, nullable=False, server_default=default)


def upgrade():
    with op.batch_alter_table("billing_settings") as batch:
        batch.add_column(_text("legal_form", 100))
        batch.add_column(_text("share_capital", 40))
        batch.add_column(_text("registration", 120))
        batch.add_column(_text("vat_regime", 20, "normal"))
        batch.add_column(
            sa.Column("vat_on_debits", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(_text("late_payment_text_private", None, DEFAULT_PRIVATE_PAYMENT_TEXT))
        batch.add_column(_text("chart_of_accounts", None, DEFAULT_CHART))
        batch.add_column(_text("reminder_days", 60, "7,30,60"))
        batch.create_check_constraint(
            op.f("ck_billing_settings_vat_regime_known"),
            "vat_regime IN ('normal', 'franchise', 'exempt')",
        )
    op.add_column("users", _text("address"))
    op.add_column(
        "invoices", sa.Column("hash_version", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("invoices", _text("seller_legal_form", 100))
    op.add_column("invoices", _text("seller_share_capital", 40))
    op.add_column("invoices", _text("seller_registration", 120))
    op.add_column("invoices", _text("vat_mention"))
    op.add_column(
        "invoices",
        sa.Column("vat_on_debits", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("invoice_lines", _text("kind", 20, "other"))
    op.add_column("invoice_lines", sa.Column("service_date", sa.Date(), nullable=True))
    op.add_column("payments", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.add_column("payments", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("payments", sa.Column("content_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_payments_chain_seq"), "payments", ["chain_seq"], unique=True)
    op.create_table(
        "invoice_files",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_files_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_files")),
    )
    op.create_table(
        "accounting_closings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("documents_count", sa.Integer(), nullable=False),
        sa.Column("last_chain_seq", sa.Integer(), nullable=False),
        sa.Column("chain_head_hash", sa.String(length=64), nullable=False),
        sa.Column("last_payment_seq", sa.Integer(), nullable=False),
        sa.Column("payments_head_hash", sa.String(length=64), nullable=False),
        sa.Column("totals_json", sa.Text(), nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column("archive_sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_archive_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('month', 'year')", name=op.f("ck_accounting_closings_kind_known")
        ),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_accounting_closings_end_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_accounting_closings_closed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_closings")),
        sa.UniqueConstraint("archive_sha256", name=op.f("uq_accounting_closings_archive_sha256")),
        sa.UniqueConstraint("period_start", "period_end", name="uq_closings_period"),
    )
    op.create_index(
        op.f("ix_accounting_closings_period_end"), "accounting_closings", ["period_end"]
    )
    create_guards()


def downgrade():
    drop_guards()
    op.drop_index(op.f("ix_accounting_closings_period_end"), table_name="accounting_closings")
    op.drop_table("accounting_closings")
    op.drop_table("invoice_files")
    op.drop_index(op.f("ix_payments_chain_seq"), table_name="payments")
    for column in ("content_hash", "prev_hash", "chain_seq"):
        op.drop_column("payments", column)
    for column in ("service_date", "kind"):
        op.drop_column("invoice_lines", column)
    for column in (
        "vat_on_debits",
        "vat_mention",
        "seller_registration",
        "seller_share_capital",
        "seller_legal_form",
        "hash_version",
    ):
        op.drop_column("invoices", column)
    op.drop_column("users", "address")
    with op.batch_alter_table("billing_settings") as batch:
        batch.drop_constraint(op.f("ck_billing_settings_vat_regime_known"), type_="check")
        for column in (
            "reminder_days",
            "chart_of_accounts",
            "late_payment_text_private",
            "vat_on_debits",
            "vat_regime",
            "registration",
            "share_capital",
            "legal_form",
        ):
            batch.drop_column(column)
