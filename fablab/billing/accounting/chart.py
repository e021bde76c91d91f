"""The chart of accounts (plan comptable général) the journals post to, from the settings.

One ``key = account`` per line. Keys: ``revenue.<charge kind>``, ``vat.<rate in basis
points>`` (``vat.other`` for any other rate), ``vat.pending`` (VAT on services not yet
paid, moved to the rate's account when paid), ``customers`` (411, one auxiliary
account per customer), ``payment.<method>``.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from fablab.billing.models import DEFAULT_CHART, ChargeKind, PaymentMethod
from fablab.errors import DomainError

ACCOUNT = re.compile(r"^[1-8][0-9A-Z]{2,19}$")
DEFAULTS_EXTRA = {"vat.pending": "445740"}

LABELS = {
    "revenue.machine_time": "Prestations de services - temps machine",
    "revenue.consumable": "Ventes de marchandises - matière",
    "revenue.membership": "Cotisations",
    "revenue.event": "Prestations de services - formations et événements",
    "revenue.pack": "Prestations de services - forfaits",
    "revenue.other": "Prestations de services",
    "vat.pending": "TVA collectée sur encaissements en attente",
    "customers": "Clients",
    "payment.transfer": "Banque",
    "payment.cheque": "Chèques à encaisser",
    "payment.card": "Cartes bancaires à encaisser",
    "payment.stripe": "Paiements en ligne à encaisser (Stripe)",
    "payment.cash": "Caisse",
}


class ChartError(DomainError):
    status = 422
    code = "invalid"


def known_keys() -> set[str]:
    keys = {f"revenue.{kind.value}" for kind in ChargeKind}
    keys |= {f"payment.{method.value}" for method in PaymentMethod}
    keys |= {"customers", "vat.other", "vat.pending"}
    return keys


def parse_chart(text: str) -> dict[str, str]:
    """``key = account`` lines to a dict; ChartError (field ``chart_of_accounts``) when bad."""
    chart: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, account = (part.strip() for part in line.partition("="))
        valid_key = key in known_keys() or re.fullmatch(r"vat\.\d{1,5}", key)
        if not sep or not valid_key or not ACCOUNT.match(account):
            raise ChartError(
                _l("Line %(n)d: write key = account number (e.g. vat.2000 = 445712).", n=number),
                field="chart_of_accounts",
            )
        chart[key] = account
    return chart


@dataclass(frozen=True)
class Chart:
    accounts: dict[str, str]

    @classmethod
    def from_text(cls, text: str) -> Chart:
        accounts = {**DEFAULTS_EXTRA, **parse_chart(DEFAULT_CHART)}
        # The settings form refuses a bad chart; a bad stored one falls back to defaults.
        with contextlib.suppress(ChartError):
            accounts.update(parse_chart(text))
        return cls(accounts)

    def revenue(self, kind: str) -> str:
        return self.accounts.get(f"revenue.{kind}") or self.accounts["revenue.other"]

    def vat(self, rate_bp: int) -> str:
        return self.accounts.get(f"vat.{rate_bp}") or self.accounts["vat.other"]

    def payment(self, method: str) -> str:
        return self.accounts.get(f"payment.{method}") or self.accounts["payment.transfer"]

    @property
    def customers(self) -> str:
        return self.accounts["customers"]

    @property
    def vat_pending(self) -> str:
        return self.accounts["vat.pending"]

    def label(self, account: str) -> str:
        for key, value in self.accounts.items():
            if value == account:
                if key.startswith("vat.") and key[4:].isdigit():
                    return f"TVA collectée {int(key[4:]) / 100:g} %".replace(".", ",")
                return LABELS.get(key, "TVA collectée" if key.startswith("vat.") else key)
        return account
