"""Home page and language switch."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from fablab.extensions import db
from fablab.machines.models import Machine, MachineStatus
from fablab.templating import is_safe_redirect
from fablab.transaction import commit

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    machines = db.session.scalars(
        sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
    ).all()
    return render_template("index.html", machines=machines)


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale in ("fr", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            commit()
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("main.index"))
