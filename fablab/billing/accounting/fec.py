"""The FEC (Fichier des Écritures Comptables, art. L47 A-I and A47 A-1 du LPF).

18 columns in the order of the regulation, tab-separated, a header line, dates as
AAAAMMJJ, amounts with a decimal comma and no thousands separator, one line per
posting, entries numbered in chronological order from 1, UTF-8. Named
``<SIREN>FEC<closing date AAAAMMJJ>.txt``.
"""

from __future__ import annotations

from datetime import date

from fablab.billing.accounting.entries import Entry, entries_between
from fablab.machines.settings import get_settings

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATOR = "\t"


def fec_amount(cents: int) -> str:
    """1234 -> '12,34' (no thousands separator)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def fec_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _clean(text: str) -> str:
    return " ".join(str(text or "").replace(SEPARATOR, " ").split())


def fec_rows(entries: list[Entry]) -> list[list[str]]:
    rows = []
    for number, entry in enumerate(entries, start=1):
        for posting in entry.postings:
            rows.append(
                [
                    entry.journal,
                    entry.journal_label,
                    str(number),
                    fec_date(entry.date),
                    posting.account,
                    posting.account_label,
                    posting.aux_num,
                    posting.aux_label,
                    entry.piece_ref,
                    fec_date(entry.piece_date),
                    entry.label,
                    fec_amount(posting.debit),
                    fec_amount(posting.credit),
                    "",
                    "",
                    fec_date(entry.valid_date),
                    "",
                    "",
                ]
            )
    return rows


def fec_text(start: date, end: date) -> str:
    """The FEC of the entries dated in a fiscal year (or any period), CRLF lines."""
    lines = [SEPARATOR.join(COLUMNS)]
    lines += [
        SEPARATOR.join(_clean(v) for v in row) for row in fec_rows(entries_between(start, end))
    ]
    return "\r\n".join(lines) + "\r\n"


def fec_filename(end: date) -> str:
    siren = "".join(ch for ch in (get_settings().siret or "") if ch.isdigit())[:9] or "000000000"
    return f"{siren}FEC{fec_date(end)}.txt"


def fiscal_year(year: int) -> tuple[date, date]:
    """The lab's fiscal year: the calendar year."""
    return date(year, 1, 1), date(year, 12, 31)
