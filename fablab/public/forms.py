"""Forms of the public domain: what the lab publishes as open data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from fablab.forms import Form


class OpenDataForm(Form):
    publish_lab = BooleanField(_l("Publish the lab (identity, hours, machines)"))
    publish_activity = BooleanField(_l("Publish the activity by month (JSON and CSV)"))
    publish_events = BooleanField(_l("List the public events feed in the catalogue"))
    suppression_threshold = IntegerField(
        _l("Hide counts of people below"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
        description=_l("A smaller count is published as empty, so nobody can be singled out."),
    )
    city = StringField(_l("City"), validators=[Length(max=120)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])


class MaterialForm(Form):
    """One row per machine on the page; the page's single CSRF token covers them all."""

    class Meta:
        csrf = False

    material = StringField(_l("Material"), validators=[Length(max=60)])
    recycled = BooleanField(_l("Recycled"))
    bio_sourced = BooleanField(_l("Bio-sourced"))
