"""offer: membership plans and memberships, prepaid hour packs and their draws, catalogue
services, quotes and their lines

Revision ID: 0008_offer
Revises: 0008_payments
Create Date: 2026-11-30 14:21:40

Only new tables: ``reservations`` is not rebuilt (its SQLite overlap triggers stay).
The yearly fees of ``billing_settings`` are kept as they are (see the README).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_offer"
down_revision = "0008_payments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalogue_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_fr", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('prototyping', 'cutting', 'training', 'workshop')",
            name=op.f("ck_catalogue_services_kind_known"),
        ),
        sa.CheckConstraint(
            "unit_price_cents >= 0", name=op.f("ck_catalogue_services_price_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_services")),
    )
    op.create_table(
        "pack_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_fr", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("validity_months", sa.Integer(), nullable=False),
        sa.Column("machine_kinds", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(machine_kinds) > 0", name=op.f("ck_pack_products_kinds_present")
        ),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_pack_products_minutes_positive")),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_pack_products_price_not_negative")),
        sa.CheckConstraint(
            "validity_months BETWEEN 1 AND 120", name=op.f("ck_pack_products_validity_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_products")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_fr", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("validity_months", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("for_company", sa.Boolean(), nullable=False),
        sa.Column("max_employees", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('member', 'reduced', 'company')", name=op.f("ck_plans_category_known")
        ),
        sa.CheckConstraint(
            "(for_company AND max_employees > 0) OR (NOT for_company AND max_employees IS NULL)",
            name=op.f("ck_plans_company_plan_has_size"),
        ),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_plans_price_not_negative")),
        sa.CheckConstraint(
            "validity_months BETWEEN 1 AND 120", name=op.f("ck_plans_validity_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("bought_by_id", sa.Integer(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'expired', 'cancelled')",
            name=op.f("ck_memberships_status_known"),
        ),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (company_id IS NULL)", name=op.f("ck_memberships_one_owner")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_memberships_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["bought_by_id"],
            ["users.id"],
            name=op.f("fk_memberships_bought_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_memberships_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_memberships_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_memberships_plan_id_plans"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_memberships_status_ends", ["status", "ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("machine_kinds", sa.String(length=200), nullable=False),
        sa.Column("minutes_total", sa.Integer(), nullable=False),
        sa.Column("minutes_remaining", sa.Integer(), nullable=False),
        sa.Column("expired_minutes", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("bought_by_id", sa.Integer(), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'expired', 'cancelled')",
            name=op.f("ck_packs_status_known"),
        ),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (company_id IS NULL)", name=op.f("ck_packs_one_owner")
        ),
        sa.CheckConstraint("expired_minutes >= 0", name=op.f("ck_packs_expired_not_negative")),
        sa.CheckConstraint("expires_at > starts_at", name=op.f("ck_packs_expires_after_start")),
        sa.CheckConstraint(
            "minutes_remaining <= minutes_total", name=op.f("ck_packs_remaining_within_total")
        ),
        sa.CheckConstraint("minutes_remaining >= 0", name=op.f("ck_packs_remaining_not_negative")),
        sa.ForeignKeyConstraint(
            ["bought_by_id"],
            ["users.id"],
            name=op.f("fk_packs_bought_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_packs_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_packs_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["pack_products.id"],
            name=op.f("fk_packs_product_id_pack_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_packs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packs")),
    )
    with op.batch_alter_table("packs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packs_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_packs_status_expires", ["status", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_packs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("company_siret", sa.String(length=14), nullable=False),
        sa.Column("company_address", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("deposit_percent", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_name", sa.String(length=120), nullable=False),
        sa.Column("answered_ip", sa.String(length=45), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("deposit_invoice_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'draft', 'sent', 'accepted', 'declined', 'invoiced')",
            name=op.f("ck_quotes_status_known"),
        ),
        sa.CheckConstraint(
            "deposit_percent BETWEEN 0 AND 100", name=op.f("ck_quotes_deposit_range")
        ),
        sa.CheckConstraint(
            "number IS NULL OR sent_at IS NOT NULL", name=op.f("ck_quotes_numbered_when_sent")
        ),
        sa.CheckConstraint(
            "vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name=op.f("ck_quotes_vat_rate_range")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_quotes_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deposit_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_quotes_deposit_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_quotes_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalogue_services.id"],
            name=op.f("fk_quotes_service_id_catalogue_services"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("number", name=op.f("uq_quotes_number")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_quotes_token_hash")),
        sa.UniqueConstraint("year", "sequence", name="uq_quotes_year_sequence"),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_company_id"), ["company_id"], unique=False)

    op.create_table(
        "pack_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("minutes <> 0", name=op.f("ck_pack_draws_minutes_not_zero")),
        sa.ForeignKeyConstraint(
            ["pack_id"], ["packs.id"], name=op.f("fk_pack_draws_pack_id_packs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_pack_draws_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_draws")),
    )
    with op.batch_alter_table("pack_draws", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pack_draws_pack_id"), ["pack_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pack_draws_reservation_id"), ["reservation_id"], unique=False
        )

    op.create_table(
        "quote_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity_milli > 0", name=op.f("ck_quote_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price_cents >= 0 AND amount_cents >= 0",
            name=op.f("ck_quote_lines_amount_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_lines_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
        sa.UniqueConstraint("quote_id", "position", name="uq_quote_lines_quote_position"),
    )


def downgrade():
    op.drop_table("quote_lines")
    with op.batch_alter_table("pack_draws", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pack_draws_reservation_id"))
        batch_op.drop_index(batch_op.f("ix_pack_draws_pack_id"))

    op.drop_table("pack_draws")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_company_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("packs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packs_user_id"))
        batch_op.drop_index("ix_packs_status_expires")
        batch_op.drop_index(batch_op.f("ix_packs_company_id"))

    op.drop_table("packs")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index("ix_memberships_status_ends")
        batch_op.drop_index(batch_op.f("ix_memberships_company_id"))

    op.drop_table("memberships")
    op.drop_table("plans")
    op.drop_table("pack_products")
    op.drop_table("catalogue_services")
