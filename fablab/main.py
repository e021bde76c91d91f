"""Home page, language switch and the web app manifest (add the lab to a phone's home screen)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user

from fablab.templating import is_safe_redirect
from fablab.transaction import commit
from fablab.webapp import THEME_COLOR, manifest_response, web_app_manifest

bp = Blueprint("main", __name__)


@bp.app_context_processor
def inject_theme():
    return {"theme_color": THEME_COLOR}


@bp.get("/")
def index():
    """The lab's shop window: what it offers, machines live, hours, events, figures."""
    from fablab.public.views import render_home

    return render_home()


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


@bp.get("/manifest.webmanifest")
def manifest():
    """The lab as an app on a phone's home screen: its name, icons and colour."""
    from fablab.machines.settings import get_settings

    return manifest_response(
        web_app_manifest(name=get_settings().name, start_url="/", display="standalone")
    )
