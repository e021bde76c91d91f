"""Forms of the calendars pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from fablab.forms import Form


class SubscriptionForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    url = StringField(
        _l("Calendar address (iCalendar URL)"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("An http, https or webcal address of an .ics file."),
    )
    machine_id = SelectField(
        _l("Closes"),
        coerce=int,
        description=_l("Its events close the whole lab, or only one machine."),
    )
    submit = SubmitField(_l("Subscribe"))
