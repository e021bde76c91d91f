"""Automatic reminders of overdue invoices, on the days after the due date set in the
billing settings (e.g. 7, 30 and 60 days), in the customer's language.

Each reminder is kept (``invoice_reminders``) and shown on the invoice; the n-th
automatic stage is sent only when fewer than n reminders exist, so a rerun, or a
manual reminder sent meanwhile, never sends one twice.
"""

from __future__ import annotations

import re
from datetime import date

from fablab.billing.models import InvoiceReminder
from fablab.billing.payments import reminders_sent, send_reminder, unpaid_invoices
from fablab.billing.settings import get_billing_settings


def parse_days(text: str) -> list[int] | None:
    """'7, 30,60' -> [7, 30, 60]; '' -> []; None when it is not a list of days."""
    text = (text or "").strip()
    if not text:
        return []
    if not re.fullmatch(r"\d{1,3}(\s*,\s*\d{1,3})*", text):
        return None
    return sorted({int(part) for part in text.split(",")})


def send_due_reminders(*, today: date) -> list[InvoiceReminder]:
    """Remind every unpaid invoice that reached its next reminder day (only flushes)."""
    stages = parse_days(get_billing_settings().reminder_days) or []
    sent = []
    for invoice, _balance in unpaid_invoices():
        if not invoice.buyer_email:
            continue
        overdue = (today - invoice.due_date).days
        done = reminders_sent(invoice)
        if done < len(stages) and overdue >= stages[done]:
            sent.append(send_reminder(invoice=invoice))
    return sent
