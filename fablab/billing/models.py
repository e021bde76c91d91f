"""Billing: settings, charges, invoices and credit notes, counters, payments, reminders.

An invoice row is written once, already issued, with its lines, its number and
its hash. The database refuses any UPDATE of an issued document or of its lines
(triggers in migrations/versions/0004_billing.py). What changes after issuing
lives in other tables: ``payments`` (paid = sum of payments) and
``invoice_reminders``; a correction is a credit note (``doc_type = credit_note``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class TimePolicy(StrEnum):
    BOOKED = "booked"  # bill the booked slot (completed and no-show bookings)
    USED = "used"  # bill the time the machine was really used (usage sessions)


class ChargeKind(StrEnum):
    MACHINE_TIME = "machine_time"
    CONSUMABLE = "consumable"
    MEMBERSHIP = "membership"
    EVENT = "event"
    PACK = "pack"
    OTHER = "other"


class DocType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class VatRegime(StrEnum):
    NORMAL = "normal"  # VAT charged at each line's rate
    FRANCHISE = "franchise"  # franchise en base: art. 293 B du CGI, no VAT
    EXEMPT = "exempt"  # non-profit exemption: art. 261-7-1° b du CGI, no VAT


VAT_MENTIONS = {
    VatRegime.NORMAL.value: "",
    VatRegime.FRANCHISE.value: "TVA non applicable, art. 293 B du CGI",
    VatRegime.EXEMPT.value: "Exonération de TVA, art. 261-7-1° b du CGI",
}

# Chart of accounts (plan comptable général), one "key = account" per line; see
# fablab/billing/accounting/chart.py for the keys.
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


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    STRIPE = "stripe"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


DEFAULT_LATE_PAYMENT_TEXT = (
    "En cas de retard de paiement, des pénalités de retard sont exigibles au taux de trois fois "
    "le taux d'intérêt légal, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de "
    "40 € (art. L441-10 et D441-5 du Code de commerce). Pas d'escompte pour paiement anticipé."
)
DEFAULT_PRIVATE_PAYMENT_TEXT = "Pas d'escompte pour paiement anticipé."


class BillingSettings(db.Model):
    """How the lab bills. One row (id 1); see ``fablab.billing.settings``."""

    __tablename__ = "billing_settings"
    __table_args__ = (
        sa.CheckConstraint(_in("time_policy", TimePolicy), name="time_policy_known"),
        sa.CheckConstraint("payment_terms_days >= 0", name="terms_not_negative"),
        sa.CheckConstraint(
            "membership_fee_member_cents >= 0 AND membership_fee_public_cents >= 0 "
            "AND membership_fee_reduced_cents >= 0 AND membership_fee_company_cents >= 0",
            name="fees_not_negative",
        ),
        sa.CheckConstraint("length(invoice_prefix) > 0", name="invoice_prefix_present"),
        sa.CheckConstraint("length(credit_note_prefix) > 0", name="credit_prefix_present"),
        sa.CheckConstraint("invoice_prefix <> credit_note_prefix", name="prefixes_differ"),
        sa.CheckConstraint(_in("vat_regime", VatRegime), name="vat_regime_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    time_policy: Mapped[str] = mapped_column(sa.String(10), default=TimePolicy.BOOKED.value)
    # Whatever the policy: bill the booked time of no-shows and of late cancellations.
    bill_no_shows: Mapped[bool] = mapped_column(default=True)
    bill_late_cancellations: Mapped[bool] = mapped_column(default=True)
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    late_payment_text: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_LATE_PAYMENT_TEXT)
    invoice_prefix: Mapped[str] = mapped_column(sa.String(8), default="F")
    credit_note_prefix: Mapped[str] = mapped_column(sa.String(8), default="A")
    # Yearly membership fee per person, by category (cents excl. VAT; 0 = no fee).
    membership_fee_member_cents: Mapped[int] = mapped_column(default=3000)
    membership_fee_public_cents: Mapped[int] = mapped_column(default=0)
    membership_fee_reduced_cents: Mapped[int] = mapped_column(default=1500)
    membership_fee_company_cents: Mapped[int] = mapped_column(default=0)
    # The seller's legal identity printed on every invoice (art. R123-237 C. com.).
    legal_form: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    share_capital: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    registration: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # VAT: the lab's regime, and VAT on services due on invoicing ("débits") or on receipts.
    vat_regime: Mapped[str] = mapped_column(
        sa.String(20), default=VatRegime.NORMAL.value, server_default=VatRegime.NORMAL.value
    )
    vat_on_debits: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    late_payment_text_private: Mapped[str] = mapped_column(
        sa.Text, default=DEFAULT_PRIVATE_PAYMENT_TEXT, server_default=DEFAULT_PRIVATE_PAYMENT_TEXT
    )
    chart_of_accounts: Mapped[str] = mapped_column(
        sa.Text, default=DEFAULT_CHART, server_default=DEFAULT_CHART
    )
    # Days after the due date when an unpaid invoice is reminded automatically ("" = never).
    reminder_days: Mapped[str] = mapped_column(
        sa.String(60), default="7,30,60", server_default="7,30,60"
    )
    # Bank details printed on invoices for transfers ("" = none printed).
    bank_iban: Mapped[str] = mapped_column(sa.String(34), default="")
    bank_bic: Mapped[str] = mapped_column(sa.String(11), default="")

    def membership_fee_for(self, category: str) -> int:
        return int(getattr(self, f"membership_fee_{category}_cents", 0) or 0)


class Charge(db.Model):
    """Something the lab will bill, waiting for (or already on) an invoice line.

    ``source_key`` identifies what the charge comes from (``usage_session:12``,
    ``reservation:7``, ``membership:2026:user:3``, ``event_registration:5``…);
    it is unique per kind, so nothing is charged twice.
    """

    __tablename__ = "charges"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ChargeKind), name="kind_known"),
        sa.CheckConstraint("user_id IS NOT NULL OR company_id IS NOT NULL", name="has_customer"),
        sa.CheckConstraint("quantity_milli > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "unit_price_cents >= 0 AND amount_cents >= 0", name="amount_not_negative"
        ),
        sa.CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate_range"),
        sa.UniqueConstraint("kind", "source_key", name="uq_charges_kind_source_key"),
        sa.Index("ix_charges_uninvoiced", "invoice_line_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(20), default="unit")
    quantity_milli: Mapped[int] = mapped_column(sa.BigInteger)
    unit_price_cents: Mapped[int] = mapped_column()
    vat_rate_bp: Mapped[int] = mapped_column()
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source_type: Mapped[str] = mapped_column(sa.String(40))
    source_id: Mapped[Optional[int]] = mapped_column()
    source_key: Mapped[str] = mapped_column(sa.String(120))
    invoice_line_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoice_lines.id", ondelete="RESTRICT"), unique=True
    )
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    company: Mapped[Optional[Company]] = relationship()
    invoice_line: Mapped[Optional[InvoiceLine]] = relationship()

    @property
    def is_invoiced(self) -> bool:
        return self.invoice_line_id is not None


class DocumentCounter(db.Model):
    """Last number given per document type and year; ``('chain', 0)`` orders the hash chain."""

    __tablename__ = "document_counters"

    doc_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    """An issued invoice or credit note, with frozen seller and buyer identities."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.CheckConstraint(_in("doc_type", DocType), name="doc_type_known"),
        sa.CheckConstraint("user_id IS NOT NULL OR company_id IS NOT NULL", name="has_buyer"),
        sa.CheckConstraint(
            "total_incl_cents = total_excl_cents + total_vat_cents", name="totals_add_up"
        ),
        sa.CheckConstraint(
            "(doc_type = 'invoice' AND credited_invoice_id IS NULL AND total_excl_cents >= 0) OR "
            "(doc_type = 'credit_note' AND credited_invoice_id IS NOT NULL "
            "AND total_excl_cents <= 0)",
            name="credit_note_shape",
        ),
        sa.CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        sa.UniqueConstraint("doc_type", "year", "sequence", name="uq_invoices_doc_year_sequence"),
        sa.CheckConstraint(
            "customer_segment IN ('member', 'public', 'reduced', 'company')",
            name="customer_segment_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(20), default=DocType.INVOICE.value)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    year: Mapped[int] = mapped_column()
    sequence: Mapped[int] = mapped_column()
    chain_seq: Mapped[int] = mapped_column(unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issue_date: Mapped[date] = mapped_column()
    due_date: Mapped[date] = mapped_column()
    period: Mapped[str] = mapped_column(sa.String(7), default="")
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    # NO ACTION (not RESTRICT): checked at the end of the statement, so a bulk
    # delete of a whole test database does not trip over its own rows.
    credited_invoice_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    seller_name: Mapped[str] = mapped_column(sa.String(200))
    seller_legal_name: Mapped[str] = mapped_column(sa.String(200))
    seller_address: Mapped[str] = mapped_column(sa.Text)
    seller_siret: Mapped[str] = mapped_column(sa.String(14))
    seller_vat_number: Mapped[str] = mapped_column(sa.String(20))
    seller_email: Mapped[str] = mapped_column(sa.String(254))
    buyer_name: Mapped[str] = mapped_column(sa.String(200))
    buyer_address: Mapped[str] = mapped_column(sa.Text)
    buyer_email: Mapped[str] = mapped_column(sa.String(254))
    buyer_siret: Mapped[str] = mapped_column(sa.String(14))
    buyer_vat_number: Mapped[str] = mapped_column(sa.String(20))
    total_excl_cents: Mapped[int] = mapped_column(sa.BigInteger)
    total_vat_cents: Mapped[int] = mapped_column(sa.BigInteger)
    total_incl_cents: Mapped[int] = mapped_column(sa.BigInteger)
    payment_terms_days: Mapped[int] = mapped_column()
    late_payment_text: Mapped[str] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    # 1: documents issued before 0009 (hash without the fields below); 2: everything hashed.
    hash_version: Mapped[int] = mapped_column(default=2, server_default="1")
    seller_legal_form: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    seller_share_capital: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    seller_registration: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    vat_mention: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    vat_on_debits: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The buyer's customer segment when the document was issued (a company, or the person's
    # category then; a credit note takes its invoice's): the revenue reports read it, so a
    # later change of category does not move past revenue. Not hashed (not printed).
    customer_segment: Mapped[str] = mapped_column(sa.String(20), server_default="public")

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all"
    )
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    company: Mapped[Optional[Company]] = relationship()
    credited_invoice: Mapped[Optional[Invoice]] = relationship(remote_side=[id])
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.received_on"
    )

    @property
    def is_credit_note(self) -> bool:
        return self.doc_type == DocType.CREDIT_NOTE

    @property
    def is_business(self) -> bool:
        """Sold to a company (B2B): late-payment penalties and the 40 € indemnity apply."""
        return self.company_id is not None

    @property
    def service_dates(self) -> tuple[date, date] | None:
        """First and last service date of the lines (None for documents without them)."""
        dates = [line.service_date for line in self.lines if line.service_date is not None]
        return (min(dates), max(dates)) if dates else None

    def __repr__(self) -> str:
        return f"<Invoice {self.number}>"


class InvoiceLine(db.Model):
    """One line: amount_excl = round(quantity × unit price), VAT computed on the line."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_position"),
        sa.CheckConstraint(
            "amount_incl_cents = amount_excl_cents + vat_cents", name="amounts_add_up"
        ),
        sa.CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(20))
    quantity_milli: Mapped[int] = mapped_column(sa.BigInteger)
    unit_price_cents: Mapped[int] = mapped_column()
    vat_rate_bp: Mapped[int] = mapped_column()
    amount_excl_cents: Mapped[int] = mapped_column(sa.BigInteger)
    vat_cents: Mapped[int] = mapped_column(sa.BigInteger)
    amount_incl_cents: Mapped[int] = mapped_column(sa.BigInteger)
    # What was sold (a ChargeKind: revenue account, goods or services for VAT) and when.
    kind: Mapped[str] = mapped_column(
        sa.String(20), default=ChargeKind.OTHER.value, server_default=ChargeKind.OTHER.value
    )
    service_date: Mapped[Optional[date]] = mapped_column()

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(db.Model):
    """Money received for an invoice (at the desk, by transfer, by Stripe)."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint(_in("method", PaymentMethod), name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    method: Mapped[str] = mapped_column(sa.String(20))
    received_on: Mapped[date] = mapped_column()
    reference: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The payments' own hash chain (NULL for payments recorded before 0009).
    chain_seq: Mapped[Optional[int]] = mapped_column(unique=True, index=True)
    prev_hash: Mapped[Optional[str]] = mapped_column(sa.String(64))
    content_hash: Mapped[Optional[str]] = mapped_column(sa.String(64))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    recorded_by: Mapped[Optional[User]] = relationship()


class InvoiceReminder(db.Model):
    """A payment reminder e-mailed for an invoice (kept apart: invoices never change)."""

    __tablename__ = "invoice_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_to: Mapped[str] = mapped_column(sa.String(254))
    sent_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class InvoiceFile(db.Model):
    """The PDF of an issued document, made once at issue and served as stored."""

    __tablename__ = "invoice_files"

    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClosingKind(StrEnum):
    MONTH = "month"
    YEAR = "year"


class AccountingClosing(db.Model):
    """A closed period: nothing is issued or paid inside it any more; its archive is kept.

    ``chain_head_hash`` / ``payments_head_hash`` are the hashes of the last document and
    payment at closing time; ``archive_sha256`` covers the archive and is chained to the
    previous closing's, and is printed on the closing receipt as an outside anchor.
    """

    __tablename__ = "accounting_closings"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ClosingKind), name="kind_known"),
        sa.CheckConstraint("period_end >= period_start", name="end_after_start"),
        sa.UniqueConstraint("period_start", "period_end", name="uq_closings_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column(index=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    documents_count: Mapped[int] = mapped_column()
    last_chain_seq: Mapped[int] = mapped_column()
    chain_head_hash: Mapped[str] = mapped_column(sa.String(64))
    last_payment_seq: Mapped[int] = mapped_column()
    payments_head_hash: Mapped[str] = mapped_column(sa.String(64))
    totals_json: Mapped[str] = mapped_column(sa.Text)
    archive: Mapped[bytes] = mapped_column(sa.LargeBinary)
    archive_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prev_archive_sha256: Mapped[str] = mapped_column(sa.String(64))

    closed_by: Mapped[Optional[User]] = relationship()
