"""Access to the single billing settings row."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fablab.billing.models import BillingSettings
from fablab.extensions import db


def get_billing_settings() -> BillingSettings:
    """The billing settings row, created with defaults on first use.

    Created with ``INSERT … ON CONFLICT DO NOTHING``: two first uses at once
    (a scheduler job and a request) never collide.
    """
    # No cache beyond the session's identity map: a cached row could outlive a rollback.
    settings = db.session.get(BillingSettings, 1)
    if settings is None:
        defaults = {
            column.name: column.default.arg
            for column in BillingSettings.__table__.columns
            if column.default is not None and not callable(column.default.arg)
        }
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(BillingSettings).values(id=1, **defaults).on_conflict_do_nothing()
        )
        settings = db.session.get(BillingSettings, 1)
    return settings
