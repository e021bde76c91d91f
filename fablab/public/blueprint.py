"""The public blueprint: the shop window, the embeddable widget and open data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.app_context_processor
def inject_public_labels():
    from fablab.public.labels import status_now_label, weekday_label

    return {"status_now_label": status_now_label, "weekday_label": weekday_label}
