"""Access to the single billing settings row."""

from __future__ import annotations

from fablab.billing.models import BillingSettings
from fablab.upsert import single_row


def get_billing_settings() -> BillingSettings:
    """The billing settings row, created with defaults on first use."""
    return single_row(BillingSettings)
