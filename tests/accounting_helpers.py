"""Helpers for the accounting tests: documents issued through the app's own services, and
an "attacker" who writes to the database behind the app's back (guards lifted)."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from fablab.billing.charges import add_charge

GUARDED = ("invoices", "invoice_lines", "payments", "invoice_files", "accounting_closings")


def a_charge(user=None, company=None, *, key, price=1000, vat=2000, kind="other", when=None):
    return add_charge(
        kind=kind,
        description=f"Work {key}",
        quantity_milli=1000,
        unit_price_cents=price,
        source_type="test",
        source_key=f"test:{key}",
        user=user,
        company=company,
        vat_rate_bp=vat,
        occurred_at=when,
    )


@contextlib.contextmanager
def behind_the_apps_back(db):
    """A connection on which the UPDATE/DELETE guards of issued documents are lifted."""
    db.session.rollback()  # end the test's own transaction first (SQLite: one writer)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            for table in GUARDED:
                connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            yield connection
            for table in GUARDED:
                connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        else:
            triggers = [
                row
                for row in connection.exec_driver_sql(
                    "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger'"
                ).all()
                if row[2] in GUARDED
            ]
            for name, _sql, _table in triggers:
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
            yield connection
            for _name, sql, _table in triggers:
                connection.exec_driver_sql(sql)
    db.session.rollback()  # a snapshot the session took meanwhile must not hide the changes


def invoice_now(client, kind: str, ident: int, **kwargs):
    """The manager's "Invoice now": open the preview, then confirm what it shows."""
    import re

    url = f"/billing/customers/{kind}/{ident}/invoice"
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    found = re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]*)"', page)
    return client.post(url, data={"fingerprint": found.group(1) if found else ""}, **kwargs)
