"""Labels of the public pages, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from fablab.machines.forms import WEEKDAYS

STATUS_NOW = {
    "free": _l("Free"),
    "in_use": _l("In use"),
    "booked": _l("Booked now"),
    "maintenance": _l("Maintenance"),
    "closed": _l("Lab closed"),
}


def status_now_label(status: str) -> str:
    return str(STATUS_NOW.get(status, status))


def weekday_label(weekday: int) -> str:
    return str(WEEKDAYS[weekday])
