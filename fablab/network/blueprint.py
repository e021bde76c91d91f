"""The network blueprint: the regional hub's public pages and its manager pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("network", __name__, url_prefix="/network")


@bp.app_context_processor
def inject_network_labels():
    from fablab.network.labels import figure, lab_state_label, metric_label

    return {"metric_label": metric_label, "lab_state_label": lab_state_label, "figure": figure}
