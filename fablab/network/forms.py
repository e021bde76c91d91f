"""Forms of the network hub."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange

from fablab.forms import Form
from fablab.machines.labels import KIND_LABELS


class AddLabForm(Form):
    url = StringField(
        _l("Address of the lab's open-data catalogue"),
        validators=[InputRequired(), Length(max=500)],
        description=_l("For a lab running this application: https://lab.example/open-data/v1/"),
    )


class FinderForm(Form):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    kind = SelectField(
        _l("Machine"), choices=[(k.value, label) for k, label in KIND_LABELS.items()]
    )
    day = DateField(_l("Day"), validators=[InputRequired()])
    after = TimeField(_l("Earliest start"), validators=[InputRequired()])
    before = TimeField(_l("Latest end"), validators=[InputRequired()])
    minutes = IntegerField(
        _l("For at least (minutes)"),
        default=60,
        validators=[InputRequired(), NumberRange(min=15, max=12 * 60)],
    )
    near = StringField(_l("Near (city)"), validators=[Length(max=120)])
