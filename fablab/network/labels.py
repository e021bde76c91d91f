"""Labels of the regional figures, in the visitor's language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

METRIC_LABELS = {
    "hours_booked": _l("Hours booked"),
    "hours_used": _l("Hours of making"),
    "material_kg": _l("Material (kg)"),
    "circular_kg": _l("Recycled or bio-sourced (kg)"),
    "events": _l("Events"),
    "attendees": _l("Attendees"),
    "people_trained": _l("People trained"),
    "companies_served": _l("Companies served"),
}
STATE_LABELS = {"ok": _l("Up to date"), "error": _l("Failing"), "pending": _l("Not fetched yet")}


def metric_label(metric: str) -> str:
    return str(METRIC_LABELS.get(metric, metric))


def lab_state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def figure(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.##")
