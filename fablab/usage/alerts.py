"""E-mail the managers once when a printer or relay link has been failing for a while.

Stateless: the mail goes out at the first poll after the link's silence crossed
``USAGE_LINK_SILENT_MINUTES`` (default 15) — the previous poll was before the
crossing, this one after — so a link failing for days sends one mail, and a new
one only after it answered again and went silent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from fablab.accounts.models import Role, User
from fablab.extensions import db
from fablab.mail import queue_mail
from fablab.usage.models import PrinterLink


def silent_since(link: PrinterLink) -> datetime:
    return link.last_contact_at or link.created_at


def alert_if_newly_silent(link: PrinterLink, *, previous_poll: datetime | None, now) -> bool:
    """Queue the mail to every active manager if this poll is the first past the limit."""
    if not link.last_error:
        return False
    limit = timedelta(minutes=current_app.config.get("USAGE_LINK_SILENT_MINUTES", 15))
    crossing = silent_since(link) + limit
    if now < crossing or (previous_poll is not None and previous_poll >= crossing):
        return False
    managers = db.session.scalars(
        sa.select(User).where(User.role.in_([Role.MANAGER, Role.ADMIN]), User.active)
    ).all()
    for manager in managers:
        locale = manager.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(locale):
            subject = _("Machine %(machine)s: its link is silent", machine=link.machine.name)
            body = render_template(
                "usage/mail_link_silent.txt", link=link, since=silent_since(link)
            )
        queue_mail(manager.email, subject, body)
    return True
