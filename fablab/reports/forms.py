"""The pricing scenario form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fablab.machines.fields import EuroField


def _percent(label):
    return IntegerField(
        label,
        default=0,
        validators=[Optional(), NumberRange(min=-100, max=1000)],
        description=_l("Change in %, e.g. 20 or -10."),
    )


class ScenarioForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    company_rate_pct = _percent(_l("Machine rates for companies"))
    member_rate_pct = _percent(_l("Machine rates for members"))
    public_rate_pct = _percent(_l("Machine rates for the public"))
    reduced_rate_pct = _percent(_l("Machine rates at the reduced rate"))
    material_pct = _percent(_l("Material prices"))
    volume_pct = _percent(_l("Hours used and material (volume)"))
    membership_fee_cents = EuroField(
        _l("Membership fee (€ excl. VAT)"),
        [Optional()],
        description=_l("Leave empty to keep what each member paid."),
    )

    def values(self) -> dict:
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        for name, value in data.items():
            if name.endswith("_pct"):
                data[name] = value or 0
        return data
