"""Issuing invoices and credit notes. A document is complete and final when written.

Issuing, in one transaction: lock the hash chain (serialises issuers), take
the next number of the year for the document type, snapshot seller and buyer,
write the lines and totals (fablab/billing/pricing.py rules), hash the content
with the previous document's hash, insert. The database refuses any later
UPDATE of the document or its lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Company, User
from fablab.billing import pricing, vat
from fablab.billing.chain import document_hash, last_hash
from fablab.billing.files import store_pdf
from fablab.billing.identity import buyer_snapshot, check_seller_identity, seller_snapshot
from fablab.billing.models import Charge, ChargeKind, DocType, Invoice, InvoiceLine
from fablab.billing.numbering import (
    format_number,
    lock_chain,
    next_chain_position,
    next_number,
)
from fablab.billing.periods import check_open
from fablab.billing.settings import get_billing_settings
from fablab.billing.text import rate_text
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow


class InvoiceError(DomainError):
    status = 422
    code = "invalid"


class AlreadyInvoiced(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("These charges are already on an invoice.")


@dataclass(frozen=True)
class LineDraft:
    description: str
    unit: str
    quantity_milli: int
    unit_price_cents: int
    vat_rate_bp: int
    amount_excl_cents: int | None = None  # None: round(quantity × unit price)
    kind: str = ChargeKind.OTHER.value
    service_date: date | None = None

    def build(self, position: int) -> InvoiceLine:
        excl = self.amount_excl_cents
        if excl is None:
            excl = pricing.line_amount(self.quantity_milli, self.unit_price_cents)
        vat = pricing.line_vat(excl, self.vat_rate_bp)
        return InvoiceLine(
            position=position,
            description=self.description,
            unit=self.unit,
            quantity_milli=self.quantity_milli,
            unit_price_cents=self.unit_price_cents,
            vat_rate_bp=self.vat_rate_bp,
            amount_excl_cents=excl,
            vat_cents=vat,
            amount_incl_cents=excl + vat,
            kind=self.kind,
            service_date=self.service_date,
        )


def _issue(
    *,
    doc_type: str,
    user: User | None,
    company: Company | None,
    drafts: list[LineDraft],
    issued_by: User | None,
    period: str = "",
    credited: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    if not drafts:
        raise InvoiceError(_l("Nothing to bill."))
    check_seller_identity()
    settings = get_billing_settings()
    issued_at = utcnow()
    issue_date = to_local(issued_at).date()
    check_open(issue_date)
    chain_seq = next_chain_position()
    credit = doc_type == DocType.CREDIT_NOTE
    prefix = settings.credit_note_prefix if credit else settings.invoice_prefix
    sequence = next_number(doc_type, issue_date.year)
    lines = [draft.build(position) for position, draft in enumerate(drafts, start=1)]
    totals = pricing.document_totals([(line.amount_excl_cents, line.vat_rate_bp) for line in lines])
    invoice = Invoice(
        doc_type=doc_type,
        number=format_number(prefix, issue_date.year, sequence),
        year=issue_date.year,
        sequence=sequence,
        chain_seq=chain_seq,
        issued_at=issued_at,
        issue_date=issue_date,
        # A credit note is not paid by the customer: no due date, no penalties.
        due_date=issue_date if credit else issue_date + timedelta(days=settings.payment_terms_days),
        period=period,
        user_id=user.id if user else None,
        company_id=company.id if company else None,
        credited_invoice=credited,
        reason=reason,
        total_excl_cents=totals.excl_cents,
        total_vat_cents=totals.vat_cents,
        total_incl_cents=totals.incl_cents,
        payment_terms_days=0 if credit else settings.payment_terms_days,
        late_payment_text=_late_payment_text(settings, company, credit),
        prev_hash=last_hash(),
        issued_by_id=issued_by.id if issued_by else None,
        hash_version=2,
        vat_mention=_vat_mention(settings, credited),
        vat_on_debits=credited.vat_on_debits if credited else settings.vat_on_debits,
        customer_segment=credited.customer_segment if credited else segment_of(user, company),
        lines=lines,
        **seller_snapshot(settings),
        **buyer_snapshot(user, company),
    )
    invoice.content_hash = document_hash(invoice)
    db.session.add(invoice)
    db.session.flush()
    store_pdf(invoice)
    return invoice


def segment_of(user: User | None, company: Company | None) -> str:
    """The revenue segment of a buyer now: a company, or the person's customer category."""
    if company is not None:
        return "company"
    return (user.category if user is not None else None) or "public"


def _late_payment_text(settings, company: Company | None, credit: bool) -> str:
    """Penalties and the 40 € indemnity are for businesses (art. L441-10 C. com.)."""
    if credit:
        return ""
    return settings.late_payment_text if company is not None else settings.late_payment_text_private


def _vat_mention(settings, credited: Invoice | None) -> str:
    if credited is not None:
        return credited.vat_mention  # a credit note follows its invoice's regime
    return vat.regime_mention(settings.vat_regime)


def _locked_uninvoiced(charges: list[Charge]) -> list[Charge]:
    """Re-read the charges after the chain lock: a concurrent issuer may have billed them."""
    fresh = db.session.scalars(
        sa.select(Charge)
        .where(Charge.id.in_([c.id for c in charges]))
        .order_by(Charge.occurred_at, Charge.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if len(fresh) != len(charges) or any(c.invoice_line_id is not None for c in fresh):
        raise AlreadyInvoiced()
    return list(fresh)


def issue_invoice(
    *,
    charges: list[Charge],
    user: User | None = None,
    company: Company | None = None,
    issued_by: User | None = None,
    period: str = "",
) -> Invoice:
    """Issue one invoice to a company or a person for the given uninvoiced charges."""
    if (user is None) == (company is None):
        raise InvoiceError(_l("An invoice goes to one person or one company."))
    if not charges:
        raise InvoiceError(_l("Nothing to bill."))
    for charge in charges:
        mine = (
            charge.company_id == company.id
            if company
            else (charge.company_id is None and charge.user_id == user.id)
        )
        if not mine:
            raise InvoiceError(_l("A charge belongs to another customer."))
    lock_chain()  # first the lock, then re-read what we bill
    charges = _locked_uninvoiced(charges)
    regime = get_billing_settings().vat_regime
    drafts = [
        LineDraft(
            c.description,
            c.unit,
            c.quantity_milli,
            c.unit_price_cents,
            vat.regime_rate(regime, c.vat_rate_bp),
            kind=c.kind,
            service_date=to_local(c.occurred_at).date(),
        )
        for c in charges
    ]
    invoice = _issue(
        doc_type=DocType.INVOICE.value,
        user=user,
        company=company,
        drafts=drafts,
        issued_by=issued_by,
        period=period,
    )
    for charge, line in zip(charges, invoice.lines, strict=True):
        charge.invoice_line_id = line.id
    db.session.flush()
    return invoice


def credited_cents(invoice: Invoice) -> int:
    """How much (incl. VAT, positive) credit notes have already cancelled of an invoice."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Invoice.total_incl_cents), 0)).where(
            Invoice.credited_invoice_id == invoice.id
        )
    )
    return -int(total or 0)


def issue_credit_note(
    *,
    invoice: Invoice,
    reason: str,
    amount_excl_cents: int | None = None,
    issued_by: User | None = None,
    line_position: int | None = None,
) -> Invoice:
    """A credit note (avoir) for an invoice.

    Without an amount it cancels the invoice exactly: every line copied with the
    opposite quantity, so each amount and VAT is the exact opposite. With an
    amount (excl. VAT, positive) it credits that amount at the rate of the line it
    credits (``line_position``), or, without a line, spread over the invoice's
    rates and kinds in proportion to their bases: VAT is never credited at a rate
    the invoice did not carry.
    """
    if invoice.is_credit_note:
        raise InvoiceError(_l("A credit note cannot be credited."))
    reason = (reason or "").strip()
    if not reason:
        raise InvoiceError(_l("Give the reason for the credit note."), field="reason")
    lock_chain()
    already = credited_cents(invoice)
    if amount_excl_cents is None:
        if already:
            raise InvoiceError(_l("This invoice was already partly credited: give an amount."))
        drafts = [
            LineDraft(
                line.description,
                line.unit,
                -line.quantity_milli,
                line.unit_price_cents,
                line.vat_rate_bp,
                kind=line.kind,
                service_date=line.service_date,
            )
            for line in invoice.lines
        ]
    else:
        drafts = _partial_lines(invoice, amount_excl_cents, reason, line_position)
    total_incl = pricing.document_totals(
        [(d.build(0).amount_excl_cents, d.vat_rate_bp) for d in drafts]
    ).incl_cents
    if already - total_incl > invoice.total_incl_cents:
        raise InvoiceError(_l("The credit notes would exceed the invoice."), field="amount")
    return _issue(
        doc_type=DocType.CREDIT_NOTE.value,
        user=invoice.user,
        company=invoice.company,
        drafts=drafts,
        issued_by=issued_by,
        credited=invoice,
        reason=reason,
    )


def _credit_draft(invoice: Invoice, text: str, cents: int, kind: str, rate: int) -> LineDraft:
    return LineDraft(
        description=str(_l("Credit on %(number)s: %(reason)s", number=invoice.number, reason=text))[
            :300
        ],
        unit="unit",
        quantity_milli=-pricing.MILLI,
        unit_price_cents=cents,
        vat_rate_bp=rate,
        kind=kind,
    )


def _partial_lines(
    invoice: Invoice, amount_excl_cents: int, reason: str, line_position: int | None
) -> list[LineDraft]:
    if amount_excl_cents <= 0:
        raise InvoiceError(_l("The amount must be positive."), field="amount")
    if line_position:
        line = next((li for li in invoice.lines if li.position == line_position), None)
        if line is None:
            raise InvoiceError(_l("This invoice has no such line."), field="line")
        if amount_excl_cents > line.amount_excl_cents:
            raise InvoiceError(_l("The amount is more than the line."), field="amount")
        text = f"{reason} ({line.description})"
        return [_credit_draft(invoice, text, amount_excl_cents, line.kind, line.vat_rate_bp)]
    groups = sorted(vat.groups(invoice).items(), key=lambda item: (-item[0][1], item[0][0]))
    parts = vat.split_pro_rata(amount_excl_cents, [base for _key, base in groups])
    several = len(groups) > 1
    return [
        _credit_draft(
            invoice,
            f"{reason} ({rate_text(rate)})" if several else reason,
            part,
            kind,
            rate,
        )
        for ((kind, rate), _base), part in zip(groups, parts, strict=True)
        if part > 0
    ]


def invoices_of(*, user: User | None = None, company: Company | None = None) -> list[Invoice]:
    query = sa.select(Invoice).order_by(Invoice.chain_seq.desc())
    if company is not None:
        query = query.where(Invoice.company_id == company.id)
    elif user is not None:
        query = query.where(Invoice.user_id == user.id, Invoice.company_id.is_(None))
    return list(db.session.scalars(query).all())


def issue_date_range(start: date, end: date) -> list[Invoice]:
    """Documents issued between two local dates (inclusive), in issue order."""
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.issue_date >= start, Invoice.issue_date <= end)
            .order_by(Invoice.chain_seq)
        ).all()
    )
