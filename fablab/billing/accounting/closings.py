"""Closing a month or a year: the period is frozen and its archive written and chained.

After a closing nothing can be issued or paid with a date inside the period
(fablab/billing/periods.py). The closing records the hash of the last document and
of the last payment at that moment and the SHA-256 of its archive, chained to the
previous archive's. The checksum is printed on the closing receipt (and can be
e-mailed): kept outside the database, it is the anchor that a rewrite of the whole
chain with our own code cannot match.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.billing.accounting.archive import build_archive, period_totals, read_manifest
from fablab.billing.chain import GENESIS, chain_counter
from fablab.billing.files import sha256
from fablab.billing.models import AccountingClosing, ClosingKind, Invoice, Payment
from fablab.billing.numbering import lock_chain
from fablab.billing.payment_chain import last_payment
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow


class ClosingError(DomainError):
    status = 422
    code = "invalid"


def period_of(kind: str, year: int, month: int | None = None) -> tuple[date, date]:
    if kind == ClosingKind.YEAR:
        return date(year, 1, 1), date(year, 12, 31)
    if not month or not 1 <= month <= 12:
        raise ClosingError(_l("Choose a month."), field="month")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def closings() -> list[AccountingClosing]:
    return list(
        db.session.scalars(
            sa.select(AccountingClosing).order_by(AccountingClosing.closed_at.desc())
        ).all()
    )


def _last_closing() -> AccountingClosing | None:
    return db.session.scalar(
        sa.select(AccountingClosing).order_by(AccountingClosing.id.desc()).limit(1)
    )


def _check_closable(start: date, end: date) -> None:
    if end >= to_local(utcnow()).date():
        raise ClosingError(_l("Only a period that is over can be closed."), field="period")
    covering = db.session.scalar(
        sa.select(AccountingClosing).where(
            AccountingClosing.period_start <= start, AccountingClosing.period_end >= end
        )
    )
    if covering is not None:
        raise ClosingError(_l("This period is already closed."), field="period")


def close_period(
    *, kind: str, year: int, month: int | None = None, closed_by: User | None = None
) -> AccountingClosing:
    """Close a month or a year that is over: freeze it, archive it, chain the archive."""
    if kind not in {k.value for k in ClosingKind} or not 2000 <= year < 2100:
        raise ClosingError(_l("Choose a month or a year."), field="period")
    start, end = period_of(kind, year, month)
    lock_chain()  # nobody issues or pays while we close
    _check_closable(start, end)
    header = _header(kind, start, end)
    totals = period_totals(start, end)
    archive = build_archive(start=start, end=end, header=header, totals=totals)
    closing = AccountingClosing(
        kind=kind,
        period_start=start,
        period_end=end,
        closed_at=datetime.fromisoformat(header["closed_at"]),
        closed_by_id=closed_by.id if closed_by else None,
        documents_count=chain_counter(),
        last_chain_seq=header["last_chain_seq"],
        chain_head_hash=header["chain_head_hash"],
        last_payment_seq=header["last_payment_seq"],
        payments_head_hash=header["payments_head_hash"],
        totals_json=json.dumps(totals, sort_keys=True),
        archive=archive,
        archive_sha256=sha256(archive),
        prev_archive_sha256=header["prev_archive_sha256"],
    )
    db.session.add(closing)
    db.session.flush()
    return closing


def _header(kind: str, start: date, end: date) -> dict:
    """What the manifest records: the period, the chain heads now, the previous archive."""
    head = db.session.scalar(sa.select(Invoice).order_by(Invoice.chain_seq.desc()).limit(1))
    payment = last_payment()
    previous = _last_closing()
    return {
        "kind": kind,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "closed_at": utcnow().isoformat(),
        "last_chain_seq": head.chain_seq if head else 0,
        "chain_head_hash": head.content_hash if head else GENESIS,
        "last_payment_seq": payment.chain_seq if payment else 0,
        "payments_head_hash": payment.content_hash if payment else GENESIS,
        "prev_archive_sha256": previous.archive_sha256 if previous else GENESIS,
    }


def verify_closings() -> list[tuple[str, str]]:
    """Every closing whose archive, chain link or recorded heads no longer match."""
    problems: list[tuple[str, str]] = []
    previous = GENESIS
    rows = db.session.scalars(sa.select(AccountingClosing).order_by(AccountingClosing.id)).all()
    for closing in rows:
        label = f"closing {closing.period_start} – {closing.period_end}"
        for problem in _closing_problems(closing, previous):
            problems.append((label, problem))
        previous = closing.archive_sha256
    return problems


def _closing_problems(closing: AccountingClosing, previous: str) -> list[str]:
    problems = []
    if sha256(closing.archive) != closing.archive_sha256:
        problems.append("its archive does not match its checksum")
    if closing.prev_archive_sha256 != previous:
        problems.append("its link to the previous archive does not match")
    manifest = read_manifest(closing.archive)
    if manifest.get("chain_head_hash") != closing.chain_head_hash:
        problems.append("the chain head recorded differs from its archive's")
    if closing.last_chain_seq:
        head = db.session.scalar(
            sa.select(Invoice.content_hash).where(Invoice.chain_seq == closing.last_chain_seq)
        )
        if head != closing.chain_head_hash:
            problems.append(
                "the document it closed on no longer has the hash recorded at closing: "
                "the chain was rewritten"
            )
    if closing.last_payment_seq:
        head = db.session.scalar(
            sa.select(Payment.content_hash).where(Payment.chain_seq == closing.last_payment_seq)
        )
        if head != closing.payments_head_hash:
            problems.append("the payment it closed on no longer has the hash recorded at closing")
    return problems
