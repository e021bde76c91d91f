"""The closing receipt e-mailed to an address outside the lab: the outside anchor."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from fablab.billing.models import AccountingClosing
from fablab.mail import queue_mail


def queue_closing_receipt(closing: AccountingClosing, to: str) -> None:
    subject = _(
        "Closing %(start)s – %(end)s: archive checksum",
        start=closing.period_start.isoformat(),
        end=closing.period_end.isoformat(),
    )
    queue_mail(to, subject, render_template("billing/mail_closing.txt", closing=closing))
