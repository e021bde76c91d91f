"""Previews of issuing, computed by the issuing code itself and then undone.

A preview runs the real service (charges collected, numbers taken, invoices
written, mails queued) inside a SAVEPOINT, copies what it made into plain
objects and rolls the savepoint back. So a preview shows exactly what the
run would issue, and leaves nothing behind: no number taken, no charge, no mail.

Each preview carries a fingerprint of its content (customers, lines, amounts);
confirming passes it back, and the issue is refused when what would be issued
has changed since (a session closed, a charge added): the manager looks again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from fablab.billing.models import Invoice
from fablab.errors import DomainError
from fablab.extensions import db

T = TypeVar("T")


class PreviewOutdated(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("What is to be invoiced has changed since the preview: check it again.")


@dataclass(frozen=True)
class LinePreview:
    description: str
    unit: str
    quantity_milli: int
    unit_price_cents: int
    vat_rate_bp: int
    amount_excl_cents: int
    vat_cents: int
    amount_incl_cents: int
    service_date: date | None


@dataclass(frozen=True)
class InvoicePreview:
    """An invoice as it would be issued (``number``: the one it would take now)."""

    number: str
    customer_kind: str  # "company" or "user"
    customer_id: int
    buyer_name: str
    buyer_address: str
    buyer_email: str
    issue_date: date
    due_date: date | None
    period: str
    lines: tuple[LinePreview, ...]
    total_excl_cents: int
    total_vat_cents: int
    total_incl_cents: int

    @classmethod
    def of(cls, invoice: Invoice) -> InvoicePreview:
        return cls(
            number=invoice.number,
            customer_kind="company" if invoice.company_id else "user",
            customer_id=invoice.company_id or invoice.user_id,
            buyer_name=invoice.buyer_name,
            buyer_address=invoice.buyer_address or "",
            buyer_email=invoice.buyer_email or "",
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            period=invoice.period or "",
            lines=tuple(
                LinePreview(
                    description=line.description,
                    unit=line.unit,
                    quantity_milli=line.quantity_milli,
                    unit_price_cents=line.unit_price_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    amount_excl_cents=line.amount_excl_cents,
                    vat_cents=line.vat_cents,
                    amount_incl_cents=line.amount_incl_cents,
                    service_date=line.service_date,
                )
                for line in invoice.lines
            ),
            total_excl_cents=invoice.total_excl_cents,
            total_vat_cents=invoice.total_vat_cents,
            total_incl_cents=invoice.total_incl_cents,
        )

    @property
    def content(self) -> str:
        """What is billed, for the fingerprint (not the number or the dates of issue)."""
        rows = [f"{self.customer_kind}:{self.customer_id}:{self.buyer_name}"]
        rows += [
            f"{line.description}|{line.unit}|{line.quantity_milli}|{line.unit_price_cents}|"
            f"{line.vat_rate_bp}|{line.amount_excl_cents}|{line.vat_cents}"
            for line in self.lines
        ]
        rows.append(f"{self.total_excl_cents}|{self.total_vat_cents}|{self.total_incl_cents}")
        return "\n".join(rows)


@dataclass(frozen=True)
class IssuePreview:
    """The documents an action would issue, with their totals and fingerprint."""

    invoices: tuple[InvoicePreview, ...]
    charges_made: int = 0
    label: str = ""
    totals: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, invoices: list[Invoice], *, charges_made: int = 0, label: str = ""):
        previews = tuple(InvoicePreview.of(invoice) for invoice in invoices)
        totals = {
            name: sum(getattr(p, f"total_{name}_cents") for p in previews)
            for name in ("excl", "vat", "incl")
        }
        return cls(previews, charges_made, label, totals)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.invoices)


def fingerprint_of(invoices) -> str:
    """A short digest of what ``invoices`` bill (InvoicePreview or issued Invoice objects)."""
    previews = [i if isinstance(i, InvoicePreview) else InvoicePreview.of(i) for i in invoices]
    content = "\n\n".join(sorted(p.content for p in previews))
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def check_fingerprint(invoices, expected: str | None) -> None:
    """Refuse (PreviewOutdated) an issue that differs from the preview the manager saw."""
    if not expected or fingerprint_of(invoices) != expected:
        raise PreviewOutdated()


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a SAVEPOINT that is always rolled back."""
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def undone(action: Callable[[], T], summarise: Callable[[T], IssuePreview]) -> IssuePreview:
    """``summarise(action())`` computed inside a savepoint that is then rolled back."""
    with rolled_back():
        return summarise(action())
