"""The lab's prepayment policy (one row), created with defaults on first use."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fablab.accounts.models import Category
from fablab.extensions import db
from fablab.payments.models import PaymentSettings

CATEGORIES = tuple(c.value for c in Category)


def get_payment_settings() -> PaymentSettings:
    """The settings row (``INSERT … ON CONFLICT DO NOTHING``: two first uses never collide)."""
    settings = db.session.get(PaymentSettings, 1)
    if settings is None:
        defaults = {
            column.name: column.default.arg
            for column in PaymentSettings.__table__.columns
            if column.default is not None and not callable(column.default.arg)
        }
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(PaymentSettings).values(id=1, **defaults).on_conflict_do_nothing()
        )
        settings = db.session.get(PaymentSettings, 1)
    return settings


def update_payment_settings(*, prepay: set[str], hold_minutes: int) -> PaymentSettings:
    """Set which categories prepay their slots and how long a hold lasts. Only flushes."""
    from flask_babel import lazy_gettext as _l

    from fablab.errors import DomainError

    if not 5 <= hold_minutes <= 60:
        raise DomainError(_l("A hold lasts 5 to 60 minutes."), field="hold_minutes")
    settings = get_payment_settings()
    for category in CATEGORIES:
        setattr(settings, f"prepay_{category}", category in prepay)
    settings.hold_minutes = hold_minutes
    db.session.flush()
    return settings
