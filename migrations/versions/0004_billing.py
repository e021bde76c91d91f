"""billing: settings, charges, invoices and credit notes, counters, payments, reminders

Revision ID: 0004_billing
Revises: 0003_usage

Issued documents are never edited: triggers refuse any UPDATE of an issued
invoice or credit note and of their lines (SQLite and PostgreSQL).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_billing"
down_revision = "0003_usage"
branch_labels = None
depends_on = None

SQLITE_READONLY = """
CREATE TRIGGER {table}_readonly
BEFORE UPDATE ON {table}
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'issued_document_readonly');
END
"""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION billing_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'issued_document_readonly: % %', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""

READONLY_TABLES = ("invoices", "invoice_lines")


def create_readonly_guards():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for table in READONLY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_readonly BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_refuse_update()"
            )
    elif dialect == "sqlite":
        for table in READONLY_TABLES:
            op.execute(SQLITE_READONLY.format(table=table))


def drop_readonly_guards():
    dialect = op.get_bind().dialect.name
    for table in READONLY_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_readonly ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_readonly")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS billing_refuse_update()")


def upgrade():
    op.create_table('billing_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('time_policy', sa.String(length=10), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('late_payment_text', sa.Text(), nullable=False),
    sa.Column('invoice_prefix', sa.String(length=8), nullable=False),
    sa.Column('credit_note_prefix', sa.String(length=8), nullable=False),
    sa.Column('membership_fee_member_cents', sa.Integer(), nullable=False),
    sa.Column('membership_fee_public_cents', sa.Integer(), nullable=False),
    sa.Column('membership_fee_reduced_cents', sa.Integer(), nullable=False),
    sa.Column('membership_fee_company_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint("time_policy IN ('booked', 'used')", name=op.f('ck_billing_settings_time_policy_known')),
    sa.CheckConstraint('invoice_prefix <> credit_note_prefix', name=op.f('ck_billing_settings_prefixes_differ')),
    sa.CheckConstraint('length(credit_note_prefix) > 0', name=op.f('ck_billing_settings_credit_prefix_present')),
    sa.CheckConstraint('length(invoice_prefix) > 0', name=op.f('ck_billing_settings_invoice_prefix_present')),
    sa.CheckConstraint('membership_fee_member_cents >= 0 AND membership_fee_public_cents >= 0 AND membership_fee_reduced_cents >= 0 AND membership_fee_company_cents >= 0', name=op.f('ck_billing_settings_fees_not_negative')),
    sa.CheckConstraint('payment_terms_days >= 0', name=op.f('ck_billing_settings_terms_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_settings'))
    )
    op.create_table('document_counters',
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'year', name=op.f('pk_document_counters'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('chain_seq', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('credited_invoice_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seller_name', sa.String(length=200), nullable=False),
    sa.Column('seller_legal_name', sa.String(length=200), nullable=False),
    sa.Column('seller_address', sa.Text(), nullable=False),
    sa.Column('seller_siret', sa.String(length=14), nullable=False),
    sa.Column('seller_vat_number', sa.String(length=20), nullable=False),
    sa.Column('seller_email', sa.String(length=254), nullable=False),
    sa.Column('buyer_name', sa.String(length=200), nullable=False),
    sa.Column('buyer_address', sa.Text(), nullable=False),
    sa.Column('buyer_email', sa.String(length=254), nullable=False),
    sa.Column('buyer_siret', sa.String(length=14), nullable=False),
    sa.Column('buyer_vat_number', sa.String(length=20), nullable=False),
    sa.Column('total_excl_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_vat_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_incl_cents', sa.BigInteger(), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('late_payment_text', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(doc_type = 'invoice' AND credited_invoice_id IS NULL AND total_excl_cents >= 0) OR (doc_type = 'credit_note' AND credited_invoice_id IS NOT NULL AND total_excl_cents <= 0)", name=op.f('ck_invoices_credit_note_shape')),
    sa.CheckConstraint("doc_type IN ('invoice', 'credit_note')", name=op.f('ck_invoices_doc_type_known')),
    sa.CheckConstraint('due_date >= issue_date', name=op.f('ck_invoices_due_after_issue')),
    sa.CheckConstraint('total_incl_cents = total_excl_cents + total_vat_cents', name=op.f('ck_invoices_totals_add_up')),
    sa.CheckConstraint('user_id IS NOT NULL OR company_id IS NOT NULL', name=op.f('ck_invoices_has_buyer')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_invoices_company_id_companies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['credited_invoice_id'], ['invoices.id'], name=op.f('fk_invoices_credited_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_invoices_issued_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invoices_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('chain_seq', name=op.f('uq_invoices_chain_seq')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_invoices_content_hash')),
    sa.UniqueConstraint('doc_type', 'year', 'sequence', name='uq_invoices_doc_year_sequence'),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    op.create_index(op.f('ix_invoices_company_id'), 'invoices', ['company_id'], unique=False)
    op.create_index(op.f('ix_invoices_credited_invoice_id'), 'invoices', ['credited_invoice_id'], unique=False)
    op.create_index(op.f('ix_invoices_user_id'), 'invoices', ['user_id'], unique=False)
    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('vat_rate_bp', sa.Integer(), nullable=False),
    sa.Column('amount_excl_cents', sa.BigInteger(), nullable=False),
    sa.Column('vat_cents', sa.BigInteger(), nullable=False),
    sa.Column('amount_incl_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_incl_cents = amount_excl_cents + vat_cents', name=op.f('ck_invoice_lines_amounts_add_up')),
    sa.CheckConstraint('vat_rate_bp >= 0 AND vat_rate_bp <= 10000', name=op.f('ck_invoice_lines_vat_rate_range')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('invoice_id', 'position', name='uq_invoice_lines_invoice_position')
    )
    op.create_table('invoice_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_to', sa.String(length=254), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_reminders_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_invoice_reminders_sent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_reminders'))
    )
    op.create_index(op.f('ix_invoice_reminders_invoice_id'), 'invoice_reminders', ['invoice_id'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('cash', 'card', 'transfer', 'cheque', 'stripe')", name=op.f('ck_payments_method_known')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payments_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index(op.f('ix_payments_invoice_id'), 'payments', ['invoice_id'], unique=False)
    op.create_table('charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('quantity_milli', sa.BigInteger(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('vat_rate_bp', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.String(length=120), nullable=False),
    sa.Column('invoice_line_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('machine_time', 'consumable', 'membership', 'event', 'pack', 'other')", name=op.f('ck_charges_kind_known')),
    sa.CheckConstraint('quantity_milli > 0', name=op.f('ck_charges_quantity_positive')),
    sa.CheckConstraint('unit_price_cents >= 0 AND amount_cents >= 0', name=op.f('ck_charges_amount_not_negative')),
    sa.CheckConstraint('user_id IS NOT NULL OR company_id IS NOT NULL', name=op.f('ck_charges_has_customer')),
    sa.CheckConstraint('vat_rate_bp >= 0 AND vat_rate_bp <= 10000', name=op.f('ck_charges_vat_rate_range')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_charges_company_id_companies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_charges_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], name=op.f('fk_charges_invoice_line_id_invoice_lines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_charges_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charges')),
    sa.UniqueConstraint('invoice_line_id', name=op.f('uq_charges_invoice_line_id')),
    sa.UniqueConstraint('kind', 'source_key', name='uq_charges_kind_source_key')
    )
    op.create_index(op.f('ix_charges_company_id'), 'charges', ['company_id'], unique=False)
    op.create_index('ix_charges_uninvoiced', 'charges', ['invoice_line_id', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_charges_user_id'), 'charges', ['user_id'], unique=False)
    create_readonly_guards()


def downgrade():
    drop_readonly_guards()
    op.drop_index(op.f('ix_charges_user_id'), table_name='charges')
    op.drop_index('ix_charges_uninvoiced', table_name='charges')
    op.drop_index(op.f('ix_charges_company_id'), table_name='charges')
    op.drop_table('charges')
    op.drop_index(op.f('ix_payments_invoice_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_invoice_reminders_invoice_id'), table_name='invoice_reminders')
    op.drop_table('invoice_reminders')
    op.drop_table('invoice_lines')
    op.drop_index(op.f('ix_invoices_user_id'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_credited_invoice_id'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_company_id'), table_name='invoices')
    op.drop_table('invoices')
    op.drop_table('document_counters')
    op.drop_table('billing_settings')
