"""The mail pages: the manager's outbox (sent, waiting, failed and why, send again)
and a person's own mails."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.outbox.models import MessageStatus, OutboxMessage
from fablab.outbox.queries import messages, messages_to, status_counts
from fablab.outbox.services import resend
from fablab.transaction import commit, rollback

bp = Blueprint("outbox", __name__)


@bp.get("/manage/mail")
@manager_required
def manage():
    status = request.args.get("status") or None
    search = (request.args.get("q") or "").strip()[:254]
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 10_000)
    found, more = messages(status=status, recipient=search, page=page)
    return render_template(
        "outbox/manage.html",
        messages=found,
        more=more,
        page=page,
        status=status,
        search=search,
        counts=status_counts(),
        statuses=[s.value for s in MessageStatus],
    )


@bp.post("/manage/mail/<int:message_id>/resend")
@manager_required
def resend_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    try:
        resend(message=message)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        commit()
        flash(_("The message to %(to)s will be sent again.", to=message.recipient), "success")
    return redirect(url_for("outbox.manage", q=request.args.get("q") or None))


@bp.get("/mail/mine")
@login_required
def mine():
    return render_template("outbox/mine.html", messages=messages_to(current_user.email))
