"""`flask invoices verify`: an intact chain says OK; a tampered amount is named."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_credit_note, issue_invoice

SQLITE_TRIGGER = """
CREATE TRIGGER invoice_lines_readonly
BEFORE UPDATE ON invoice_lines
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'issued_document_readonly');
END
"""


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def issue_three(db, user):
    invoices = []
    for n in range(3):
        charge = add_charge(
            kind="other",
            description=f"Work {n}",
            quantity_milli=1000,
            unit_price_cents=1000 * (n + 1),
            source_type="test",
            source_id=n,
            user=user,
        )
        invoices.append(issue_invoice(charges=[charge], user=user))
    invoices.append(issue_credit_note(invoice=invoices[0], reason="Refund"))
    db.session.commit()
    return invoices


def tamper_with_line_amount(db, invoice_id: int) -> None:
    """Change an amount behind the database's back (the trigger is bypassed, then restored)."""
    update = sa.text(
        "UPDATE invoice_lines SET amount_excl_cents = 1, vat_cents = 0, amount_incl_cents = 1 "
        "WHERE invoice_id = :id"
    )
    db.session.rollback()  # end the test's own transaction first (SQLite: one writer)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("ALTER TABLE invoice_lines DISABLE TRIGGER invoice_lines_readonly")
            )
            connection.execute(update, {"id": invoice_id})
            connection.execute(
                sa.text("ALTER TABLE invoice_lines ENABLE TRIGGER invoice_lines_readonly")
            )
        else:
            connection.execute(sa.text("DROP TRIGGER invoice_lines_readonly"))
            connection.execute(update, {"id": invoice_id})
            connection.execute(sa.text(SQLITE_TRIGGER))


def test_verify_says_ok_with_the_count(app, db, member):
    issue_three(db, member)
    result = app.test_cli_runner().invoke(args=["invoices", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 4 documents" in result.output


def test_a_tampered_amount_makes_verify_exit_1_naming_that_invoice(app, db, member):
    invoices = issue_three(db, member)
    tamper_with_line_amount(db, invoices[1].id)
    db.session.expire_all()

    result = app.test_cli_runner().invoke(args=["invoices", "verify"])
    assert result.exit_code == 1
    assert invoices[1].number in result.output
    assert invoices[0].number not in result.output
    assert "content does not match" in result.output


def test_the_trigger_is_back_after_tampering(db, member):
    invoices = issue_three(db, member)
    tamper_with_line_amount(db, invoices[2].id)
    with pytest.raises(sa.exc.DatabaseError, match="issued_document_readonly"):
        db.session.execute(sa.text("UPDATE invoice_lines SET description = 'x'"))
    db.session.rollback()
