"""Tamper evidence: DELETE guards, the counter against a deleted last document, chained
payments, stored PDFs, closings that catch a rewritten-and-rehashed chain."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from fablab.billing.accounting.closings import close_period
from fablab.billing.chain import document_hash, verify_chain
from fablab.billing.invoices import issue_credit_note, issue_invoice
from fablab.billing.models import Invoice
from fablab.billing.payments import record_payment
from fablab.billing.periods import PeriodClosed
from tests.accounting_helpers import a_charge, behind_the_apps_back


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def issue_three(db, member):
    invoices = [
        issue_invoice(charges=[a_charge(member, key=n, price=1000 * (n + 1))], user=member)
        for n in range(3)
    ]
    db.session.commit()
    return invoices


def verify(app, *args):
    result = app.test_cli_runner().invoke(args=["invoices", "verify", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("table", ["invoices", "invoice_lines", "payments", "invoice_files"])
def test_the_database_refuses_to_delete_issued_records(db, member, table):
    invoice = issue_three(db, member)[0]
    record_payment(invoice=invoice, amount_cents=100, method="cash")
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="issued_document_readonly"):
        db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
    db.session.rollback()


def test_deleting_the_last_document_is_detected(app, db, member):
    invoices = issue_three(db, member)
    last = invoices[-1]
    with behind_the_apps_back(db) as connection:
        connection.execute(sa.text("UPDATE charges SET invoice_line_id = NULL"))
        for table, column in (("invoice_files", "invoice_id"), ("invoice_lines", "invoice_id")):
            connection.execute(
                sa.text(f"DELETE FROM {table} WHERE {column} = :id"),  # noqa: S608
                {"id": last.id},
            )
        connection.execute(sa.text("DELETE FROM invoices WHERE id = :id"), {"id": last.id})
    code, output = verify(app)
    assert code == 1
    assert "issuing counter is at 3" in output
    assert "last document is at position 2" in output


def test_every_broken_document_is_reported_not_only_the_first(app, db, member):
    invoices = issue_three(db, member)
    with behind_the_apps_back(db) as connection:
        connection.execute(
            sa.text("UPDATE invoices SET buyer_name = 'Someone else' WHERE id IN (:a, :b)"),
            {"a": invoices[0].id, "b": invoices[2].id},
        )
    code, output = verify(app)
    assert code == 1
    assert invoices[0].number in output and invoices[2].number in output
    assert invoices[1].number not in output


def test_an_edited_payment_is_detected(app, db, member):
    invoice = issue_three(db, member)[0]
    record_payment(invoice=invoice, amount_cents=600, method="cash")
    db.session.commit()
    assert verify(app)[0] == 0
    with behind_the_apps_back(db) as connection:
        connection.execute(sa.text("UPDATE payments SET amount_cents = 1200"))
    code, output = verify(app)
    assert code == 1
    assert "payment #1" in output and "content does not match" in output


def test_issued_at_and_issued_by_are_under_the_hash(app, db, member, manager):
    invoice = issue_invoice(charges=[a_charge(member, key=1)], user=member, issued_by=manager)
    db.session.commit()
    with behind_the_apps_back(db) as connection:
        connection.execute(sa.text("UPDATE invoices SET issued_by_id = NULL"))
    code, output = verify(app)
    assert code == 1 and invoice.number in output


def test_the_pdf_is_made_once_and_served_as_stored(app, db, member, login_as, lab_settings):
    invoice = issue_three(db, member)[0]
    first = login_as(member).get(f"/invoices/{invoice.id}.pdf").data
    lab_settings.address = "99 avenue Nouvelle\n75001 Paris"  # the lab moved since
    db.session.commit()
    assert login_as(member).get(f"/invoices/{invoice.id}.pdf").data == first
    with behind_the_apps_back(db) as connection:
        connection.execute(sa.text("UPDATE invoice_files SET pdf = :x"), {"x": b"%PDF-fake"})
    code, output = verify(app)
    assert code == 1 and "stored PDF does not match" in output


def rewrite_and_rehash(db, invoices_ids):
    """Change an amount, then recompute every hash with the app's own function."""
    with behind_the_apps_back(db) as connection:
        connection.execute(
            sa.text(
                "UPDATE invoice_lines SET amount_excl_cents = 1, vat_cents = 0, "
                "amount_incl_cents = 1 WHERE invoice_id = :id"
            ),
            {"id": invoices_ids[0]},
        )
        connection.execute(
            sa.text(
                "UPDATE invoices SET total_excl_cents = 1, total_vat_cents = 0, "
                "total_incl_cents = 1 WHERE id = :id"
            ),
            {"id": invoices_ids[0]},
        )
    db.session.expire_all()
    previous, updates = "0" * 64, []
    with db.session.no_autoflush:
        for document in db.session.scalars(sa.select(Invoice).order_by(Invoice.chain_seq)).all():
            document.prev_hash = previous
            document.content_hash = document_hash(document)
            previous = document.content_hash
            updates.append({"p": document.prev_hash, "h": document.content_hash, "id": document.id})
    db.session.expunge_all()
    with behind_the_apps_back(db) as connection:
        for values in updates:
            connection.execute(
                sa.text("UPDATE invoices SET prev_hash = :p, content_hash = :h WHERE id = :id"),
                values,
            )


def test_a_rewritten_and_rehashed_chain_is_caught_by_the_closing(app, db, member, manager):
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=UTC), tick=False):
        invoices = issue_three(db, member)
        ids = [i.id for i in invoices]
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=UTC), tick=False):
        closing = close_period(kind="month", year=2026, month=10, closed_by=manager)
        anchor = closing.archive_sha256
        db.session.commit()
        assert verify(app, "--anchor", anchor)[0] == 0
        rewrite_and_rehash(db, ids)
        assert verify_chain().ok  # the chain alone was rebuilt with our own code...
        code, output = verify(app, "--anchor", anchor)
    assert code == 1  # ...but the closing recorded the head hash of the real chain
    assert "chain was rewritten" in output
    assert verify(app, "--anchor", "f" * 64)[1].count("no closing has this archive") == 1


def test_a_closed_period_refuses_documents_and_payments_dated_inside(db, member, manager):
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=UTC), tick=False):
        invoice = issue_three(db, member)[0]
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=UTC), tick=False):
        close_period(kind="month", year=2026, month=10, closed_by=manager)
        db.session.commit()
        with pytest.raises(PeriodClosed):
            record_payment(
                invoice=invoice, amount_cents=100, method="cash", received_on=date(2026, 10, 31)
            )
        db.session.rollback()
        record_payment(invoice=invoice, amount_cents=100, method="cash")  # November is open
        db.session.commit()
    with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=UTC), tick=False):
        with pytest.raises(PeriodClosed):  # a clock set back cannot date a document in October
            issue_invoice(charges=[a_charge(member, key="late")], user=member)
        db.session.rollback()
        with pytest.raises(PeriodClosed):
            issue_credit_note(invoice=invoice, reason="Late")


def pay_in_thread(app, invoice_id, results):
    from fablab.billing.payments import PaymentError
    from fablab.extensions import db as _db
    from fablab.transaction import commit, rollback

    with app.app_context(), app.test_request_context():
        try:
            invoice = _db.session.get(Invoice, invoice_id)
            record_payment(invoice=invoice, amount_cents=200, method="card")
            commit()
            results.append("paid")
        except PaymentError:
            rollback()
            results.append("refused")
        except Exception as error:  # noqa: BLE001  (reported by the test)
            rollback()
            results.append(repr(error))


def test_concurrent_payments_never_overpay_and_keep_the_payment_chain(app, db, member):
    import threading

    invoice = issue_invoice(charges=[a_charge(member, key=1, price=1000)], user=member)  # 12 €
    db.session.commit()
    results: list[str] = []
    threads = [
        threading.Thread(target=pay_in_thread, args=(app, invoice.id, results)) for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["paid"] * 6 + ["refused"] * 4
    code, output = verify(app)
    assert code == 0, output
