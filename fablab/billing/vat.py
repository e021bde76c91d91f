"""VAT: the lab's regime (normal, franchise 293 B, non-profit exemption), amounts per rate.

Goods (material sold) owe VAT when delivered, i.e. on the invoice; services owe it
when paid ("encaissements", art. 269-2-c du CGI) unless the lab opted for the
débits, then on the invoice too. ``fablab.billing.accounting.vat_report`` builds
the period summary on these rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from fablab.billing.models import VAT_MENTIONS, ChargeKind, Invoice, VatRegime

GOODS_KINDS = frozenset({ChargeKind.CONSUMABLE.value})


def is_goods(kind: str) -> bool:
    return kind in GOODS_KINDS


def regime_rate(regime: str, rate_bp: int) -> int:
    """The rate a line carries under the lab's regime: 0 when the lab charges no VAT."""
    return rate_bp if regime == VatRegime.NORMAL else 0


def regime_mention(regime: str) -> str:
    return VAT_MENTIONS.get(regime, "")


@dataclass
class RateAmounts:
    vat_rate_bp: int
    base_cents: int = 0
    vat_cents: int = 0

    @property
    def incl_cents(self) -> int:
        return self.base_cents + self.vat_cents


def breakdown(invoice: Invoice) -> list[RateAmounts]:
    """Base and VAT per rate of one document, highest rate first (printed on it)."""
    rows: dict[int, RateAmounts] = {}
    for line in invoice.lines:
        row = rows.setdefault(line.vat_rate_bp, RateAmounts(line.vat_rate_bp))
        row.base_cents += line.amount_excl_cents
        row.vat_cents += line.vat_cents
    return sorted(rows.values(), key=lambda row: -row.vat_rate_bp)


def groups(invoice: Invoice) -> dict[tuple[str, int], int]:
    """Amount excl. VAT per (kind, rate) of a document's lines."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for line in invoice.lines:
        out[(line.kind, line.vat_rate_bp)] += line.amount_excl_cents
    return dict(out)


def split_pro_rata(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights``; the parts add up exactly to it."""
    total = sum(weights)
    if total == 0:
        return [0 for _ in weights]
    parts = [amount * weight // total for weight in weights]
    # Give the cents left by flooring to the largest remainders first.
    order = sorted(range(len(weights)), key=lambda i: -((amount * weights[i]) % total))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    return parts
