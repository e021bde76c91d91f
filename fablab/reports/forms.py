"""The pricing scenario, cost and grant forms."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from fablab.extensions import db
from fablab.machines.fields import EuroField
from fablab.machines.models import Machine


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


def machine_choices() -> list:
    from fablab.machines.fields import choice

    machines = db.session.execute(sa.select(Machine.id, Machine.name).order_by(Machine.name))
    return [choice(0, _l("The whole lab")), *[choice(i, name) for i, name in machines]]


class CostForm(FlaskForm):
    month = DateField(_l("Month (any day in it)"), validators=[DataRequired()])
    category = SelectField(_l("Kind of cost"), choices=[])
    amount_cents = EuroField(_l("Amount (€)"), [DataRequired()])
    machine_id = SelectField(_l("Machine"), coerce=int, choices=[])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from fablab.machines.fields import choice
        from fablab.reports.labels import COST_LABELS

        self.category.choices = [choice(key, text) for key, text in COST_LABELS.items()]
        self.machine_id.choices = machine_choices()


class MachineShareForm(Form):
    """One machine of the grant form: chosen or not, and its share (blank: by cost)."""

    machine_id = IntegerField(widget=HiddenInput())
    chosen = BooleanField(_l("Paid for"))
    amount_cents = EuroField(_l("Share (€)"), [Optional()])


class GrantForm(FlaskForm):
    funder = StringField(_l("Funder"), validators=[DataRequired(), Length(max=200)])
    amount_cents = EuroField(_l("Amount (€)"), [DataRequired()])
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    machines = FieldList(FormField(MachineShareForm), label=_l("Machines it paid for"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = dict(db.session.execute(sa.select(Machine.id, Machine.name)).all())
        if not self.machines.entries:  # a new form: one row per machine
            for machine_id, _name in sorted(self.names.items(), key=lambda item: item[1]):
                self.machines.append_entry({"machine_id": machine_id})

    def chosen(self) -> list[tuple[int, int | None]]:
        """(machine id, share in cents or None) of each machine ticked."""
        return [
            (entry.form.machine_id.data, entry.form.amount_cents.data)
            for entry in self.machines.entries
            if entry.form.chosen.data and entry.form.machine_id.data
        ]
