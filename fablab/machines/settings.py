"""Access to the lab's single settings row."""

from __future__ import annotations

from flask import g

from fablab.extensions import db
from fablab.machines.models import LabSettings


def get_settings() -> LabSettings:
    """The lab settings row, created with defaults on first use (cached per request)."""
    settings = g.get("_lab_settings")
    if settings is None:
        settings = db.session.get(LabSettings, 1)
        if settings is None:
            settings = LabSettings(id=1)
            db.session.add(settings)
            db.session.flush()
        g._lab_settings = settings
    return settings
