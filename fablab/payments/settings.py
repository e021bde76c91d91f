"""The lab's prepayment policy (one row), created with defaults on first use."""

from __future__ import annotations

from fablab.accounts.models import Category
from fablab.extensions import db
from fablab.payments.models import PaymentSettings
from fablab.upsert import single_row

CATEGORIES = tuple(c.value for c in Category)


def get_payment_settings() -> PaymentSettings:
    """The settings row, created with defaults on first use."""
    return single_row(PaymentSettings)


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
