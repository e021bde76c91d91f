"""Quotes for companies (devis): request → draft → sent (numbered D-YYYY-NNNN, PDF) →
accepted or declined online → invoiced (optionally a deposit first) → paid.

Numbers are taken when a quote is sent, from the billing's gapless counters
(``fablab.billing.numbering``, doc type ``quote``): locked row per year, so two
managers sending at once never share nor skip a number. A sent quote is never
edited; the company answers through a secret link (name, time and IP kept).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.companies import save_company
from fablab.accounts.models import Company, User
from fablab.accounts.services import normalise_email
from fablab.billing import pricing
from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import ChargeKind, Invoice
from fablab.billing.numbering import next_number
from fablab.billing.payments import balance_of
from fablab.errors import DomainError, NotFound
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.payments.checkout import record_stripe_payment, start_checkout
from fablab.payments.offer_common import OfferError
from fablab.payments.offer_models import CatalogueService, Quote, QuoteLine, QuoteStatus
from fablab.payments.purposes import CannotFulfil, register_purpose
from fablab.timeutil import utcnow

QUOTE_COUNTER = "quote"
EDITABLE = (QuoteStatus.REQUESTED.value, QuoteStatus.DRAFT.value)


class QuoteStateError(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("This quote cannot do that in its current state.")


def format_quote_number(year: int, sequence: int) -> str:
    return f"D-{year}-{sequence:04d}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_quote(
    *,
    service: CatalogueService | None,
    company_name: str,
    contact_name: str,
    contact_email: str,
    text: str,
    company_siret: str = "",
    company_address: str = "",
    contact_phone: str = "",
    locale: str = "fr",
    requester: User | None = None,
) -> Quote:
    """A company asks for a catalogue service (public form)."""
    if service is not None and not service.active:
        raise OfferError(_l("This service is not offered any more."), field="service")
    company = requester.company if requester and requester.is_company_contact else None
    company_name = (company.legal_name if company else company_name or "").strip()
    if not company_name:
        raise OfferError(_l("Enter the company's name."), field="company_name")
    if not (contact_name or "").strip():
        raise OfferError(_l("Enter your name."), field="contact_name")
    if not (text or "").strip():
        raise OfferError(_l("Describe what you need."), field="text")
    quote = Quote(
        status=QuoteStatus.REQUESTED.value,
        service=service,
        company_id=company.id if company else None,
        company_name=company_name[:200],
        company_siret=((company.siret if company else company_siret) or "").strip()[:14],
        company_address=((company.billing_address if company else company_address) or "").strip(),
        contact_name=contact_name.strip()[:120],
        contact_email=normalise_email(contact_email),
        contact_phone=(contact_phone or "").strip()[:40],
        request_text=text.strip(),
        locale=locale if locale in ("fr", "en") else "fr",
    )
    db.session.add(quote)
    db.session.flush()
    return quote


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity_milli: int
    unit_price_cents: int
    unit: str = "unit"


def _check_lines(lines: list[LineInput]) -> None:
    if not lines:
        raise OfferError(_l("A quote needs at least one line."), field="lines")
    for line in lines:
        if not line.description.strip():
            raise OfferError(_l("Every line needs a description."), field="lines")
        if line.quantity_milli <= 0 or line.unit_price_cents < 0:
            raise OfferError(_l("Quantities are positive, prices not negative."), field="lines")


def save_draft(
    *,
    quote: Quote,
    lines: list[LineInput],
    vat_rate_bp: int,
    valid_until: date,
    deposit_percent: int = 0,
    notes: str = "",
    company: Company | None = None,
) -> Quote:
    """Price a requested quote (or change a draft): lines, VAT rate, validity, deposit."""
    if quote.status not in EDITABLE:
        raise QuoteStateError(_l("A sent quote cannot be changed."))
    _check_lines(lines)
    if not 0 <= vat_rate_bp <= 10000:
        raise OfferError(_l("The VAT rate is between 0 and 100 %."), field="vat_rate")
    if not 0 <= deposit_percent <= 100:
        raise OfferError(_l("The deposit is between 0 and 100 %."), field="deposit_percent")
    if valid_until < to_local(utcnow()).date():
        raise OfferError(_l("The validity date is in the past."), field="valid_until")
    quote.lines.clear()
    db.session.flush()
    for position, line in enumerate(lines, start=1):
        quote.lines.append(
            QuoteLine(
                position=position,
                description=line.description.strip()[:300],
                unit=(line.unit or "unit")[:20],
                quantity_milli=line.quantity_milli,
                unit_price_cents=line.unit_price_cents,
                amount_cents=pricing.line_amount(line.quantity_milli, line.unit_price_cents),
            )
        )
    quote.vat_rate_bp = vat_rate_bp
    quote.valid_until = valid_until
    quote.deposit_percent = deposit_percent
    quote.notes = (notes or "").strip()
    if company is not None:
        quote.company_id = company.id
    quote.status = QuoteStatus.DRAFT.value
    db.session.flush()
    return quote


def send_quote(*, quote: Quote, now: datetime | None = None) -> str:
    """Number the quote (gapless per year) and return the secret link token for the company."""
    if quote.status != QuoteStatus.DRAFT.value or not quote.lines:
        raise QuoteStateError(_l("Only a priced draft can be sent."))
    now = now or utcnow()
    year = to_local(now).year
    sequence = next_number(QUOTE_COUNTER, year)
    token = secrets.token_urlsafe(32)
    quote.year, quote.sequence = year, sequence
    quote.number = format_quote_number(year, sequence)
    quote.sent_at = now
    quote.token_hash = _hash(token)
    quote.status = QuoteStatus.SENT.value
    db.session.flush()
    return token


def quote_for_token(token: str) -> Quote:
    quote = db.session.scalar(sa.select(Quote).where(Quote.token_hash == _hash(token or "")))
    if quote is None:
        raise NotFound(_l("This quote link is not valid."))
    return quote


def is_expired(quote: Quote, *, today: date | None = None) -> bool:
    today = today or to_local(utcnow()).date()
    return quote.status == QuoteStatus.SENT.value and quote.valid_until < today


def answer_quote(
    *, quote: Quote, accept: bool, name: str, ip: str, reason: str = "", now: datetime | None = None
) -> Quote:
    """The company accepts (or declines) a sent quote still valid; who, when and from where."""
    now = now or utcnow()
    if quote.status != QuoteStatus.SENT.value:
        raise QuoteStateError(_l("This quote was already answered."))
    if is_expired(quote, today=to_local(now).date()):
        raise QuoteStateError(_l("This quote has expired: ask the lab for a new one."))
    if not (name or "").strip():
        raise OfferError(_l("Type your name to sign."), field="name")
    quote.status = QuoteStatus.ACCEPTED.value if accept else QuoteStatus.DECLINED.value
    quote.answered_at = now
    quote.answered_by_name = name.strip()[:120]
    quote.answered_ip = (ip or "")[:45]
    quote.decline_reason = "" if accept else (reason or "").strip()
    db.session.flush()
    return quote


def _customer(quote: Quote) -> Company:
    """The company to invoice: the linked one, or one made from the request's details."""
    if quote.company is not None:
        return quote.company
    company = save_company(
        legal_name=quote.company_name,
        siret=quote.company_siret or None,
        vat_number=None,
        billing_address=quote.company_address,
        contact_email=quote.contact_email,
    )
    quote.company_id = company.id
    quote.company = company
    return company


def deposit_cents(quote: Quote) -> int:
    return pricing.round_half_up(quote.total_excl_cents * quote.deposit_percent, 100)


def _charge(quote: Quote, company: Company, key: str, description: str, qty: int, price: int):
    return add_charge(
        kind=ChargeKind.OTHER.value,
        description=description,
        quantity_milli=qty,
        unit_price_cents=price,
        source_type="quote",
        source_id=quote.id,
        source_key=f"quote:{quote.id}:{key}",
        company=company,
        vat_rate_bp=quote.vat_rate_bp,
    )


def invoice_deposit(*, quote: Quote, by: User | None = None) -> Invoice:
    """The deposit invoice of an accepted quote (``deposit_percent`` of the total)."""
    if quote.status != QuoteStatus.ACCEPTED.value or quote.deposit_invoice_id:
        raise QuoteStateError(_l("A deposit is invoiced once, after acceptance."))
    if quote.deposit_percent <= 0:
        raise OfferError(_l("This quote has no deposit."))
    company = _customer(quote)
    text = f"Acompte {quote.deposit_percent} % sur devis {quote.number}"
    charge = _charge(quote, company, "deposit", text, pricing.MILLI, deposit_cents(quote))
    invoice = issue_invoice(charges=[charge], company=company, issued_by=by)
    quote.deposit_invoice_id = invoice.id
    db.session.flush()
    return invoice


def invoice_quote(*, quote: Quote, by: User | None = None) -> Invoice:
    """The invoice of an accepted quote: its lines, or the balance after the deposit."""
    if quote.status != QuoteStatus.ACCEPTED.value:
        raise QuoteStateError(_l("Only an accepted quote can be invoiced."))
    company = _customer(quote)
    if quote.deposit_invoice_id:
        deposit = db.session.get(Invoice, quote.deposit_invoice_id)
        text = (
            f"Solde du devis {quote.number} (total {quote.total_excl_cents / 100:.2f} € HT, "
            f"acompte {deposit.number} déduit)"
        )
        remaining = quote.total_excl_cents - deposit.total_excl_cents
        charges = [_charge(quote, company, "balance", text, pricing.MILLI, remaining)]
    else:
        charges = [
            _charge(
                quote,
                company,
                f"line:{line.position}",
                f"{quote.number} — {line.description}",
                line.quantity_milli,
                line.unit_price_cents,
            )
            for line in quote.lines
        ]
    invoice = issue_invoice(charges=charges, company=company, issued_by=by)
    quote.invoice_id = invoice.id
    quote.status = QuoteStatus.INVOICED.value
    db.session.flush()
    return invoice


def totals(quote: Quote) -> tuple[int, int, int]:
    excl = quote.total_excl_cents
    vat = pricing.line_vat(excl, quote.vat_rate_bp)
    return excl, vat, excl + vat


STAGES = ("requested", "quoted", "accepted", "invoiced", "paid", "declined", "expired")


def stage_of(quote: Quote) -> str:
    if quote.status in EDITABLE:
        return "requested"
    if quote.status == QuoteStatus.SENT.value:
        return "expired" if is_expired(quote) else "quoted"
    if quote.status == QuoteStatus.DECLINED.value:
        return "declined"
    if quote.status == QuoteStatus.ACCEPTED.value:
        return "accepted"
    invoice = db.session.get(Invoice, quote.invoice_id)
    return "paid" if invoice is not None and balance_of(invoice).status == "paid" else "invoiced"


def pipeline() -> dict[str, tuple[list[Quote], int]]:
    """The manager's pipeline: quotes by stage, with the total excl. VAT of each stage."""
    quotes = db.session.scalars(sa.select(Quote).order_by(Quote.requested_at.desc())).all()
    stages: dict[str, tuple[list[Quote], int]] = {stage: ([], 0) for stage in STAGES}
    for quote in quotes:
        items, amount = stages[stage_of(quote)]
        items.append(quote)
        stages[stage_of(quote)] = (items, amount + quote.total_excl_cents)
    return stages


def quotes_of(company: Company) -> list[Quote]:
    return list(
        db.session.scalars(
            sa.select(Quote)
            .where(Quote.company_id == company.id, Quote.sent_at.is_not(None))
            .order_by(Quote.sent_at.desc())
        )
    )


# -- paying by card (purpose "quote": the quote's invoice still due) ---------------------------


def open_invoice(quote: Quote) -> Invoice | None:
    """The quote's invoice still to pay: the deposit first, then the final one."""
    for invoice_id in (quote.deposit_invoice_id, quote.invoice_id):
        invoice = db.session.get(Invoice, invoice_id) if invoice_id else None
        if invoice is not None and balance_of(invoice).due_cents > 0:
            return invoice
    return None


def checkout_quote(quote: Quote, *, by: User, success_url: str, cancel_url: str):
    """Send the company contact to Stripe for what the quote's invoice still asks."""
    invoice = open_invoice(quote)
    if invoice is None:
        raise QuoteStateError(_l("Nothing is due on this quote."))
    return start_checkout(
        purpose="quote",
        reference_id=quote.id,
        amount_cents=balance_of(invoice).due_cents,
        description=f"{quote.number} — {invoice.number}",
        user=by,
        company=quote.company,
        success_url=success_url,
        cancel_url=cancel_url,
    )


def _on_paid(record, *, now: datetime) -> None:
    quote = db.session.get(Quote, record.reference_id)
    invoice = open_invoice(quote) if quote is not None else None
    if invoice is None:
        raise CannotFulfil(_l("This quote's invoice was already paid."), bill=False)
    record_stripe_payment(record, invoice)


def _on_expired(record, *, now: datetime) -> None:
    """Nothing was held for a quote: the invoice simply stays due."""


register_purpose("quote", on_paid=_on_paid, on_expired=_on_expired)
