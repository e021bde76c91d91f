"""Forms of the machines domain: machines, lab settings, hours, qualifications, closures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from fablab.forms import Form
from fablab.machines.fields import EuroField, PercentField, choice
from fablab.machines.lab import SettingsError, is_valid_timezone, parse_intervals
from fablab.machines.labels import KIND_LABELS, STATUS_LABELS, UNIT_LABELS

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
BLANK_IS_DEFAULT = _l("Blank: the lab's default.")
BLANK_IS_NONE = _l("Blank: no limit.")

RULE_FIELDS = (
    ("slot_step_minutes", _l("Slot step (minutes)"), 1),
    ("min_duration_minutes", _l("Shortest booking (minutes)"), 1),
    ("max_duration_minutes", _l("Longest booking (minutes)"), 1),
    ("max_advance_days", _l("Book at most this many days ahead"), 1),
    ("min_notice_minutes", _l("Book at least this many minutes ahead"), 0),
    ("cancel_deadline_hours", _l("Free cancellation until (hours before)"), 0),
    ("buffer_minutes", _l("Buffer after each booking (minutes)"), 0),
    ("weekly_quota_hours", _l("Weekly quota per person (hours)"), 1),
)


def rule_field(label, minimum: int, description) -> IntegerField:
    return IntegerField(
        label, validators=[Optional(), NumberRange(min=minimum)], description=description
    )


def check_rule_consistency(form) -> bool:
    low, high = form.min_duration_minutes.data, form.max_duration_minutes.data
    if low is not None and high is not None and high < low:
        form.max_duration_minutes.errors.append(
            _l("The longest booking cannot be shorter than the shortest one.")
        )
        return False
    return True


class MachineForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    kind = SelectField(
        _l("Kind"), choices=[choice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    status = SelectField(
        _l("Status"), choices=[choice(s.value, label) for s, label in STATUS_LABELS.items()]
    )
    description = TextAreaField(_l("Presentation"))
    location = StringField(_l("Location"), validators=[Length(max=120)])
    photo = FileField(_l("Photo"), description=_l("JPEG, PNG or WebP, 8 MB at most."))
    remove_photo = BooleanField(_l("Remove the current photo"))
    rate_member_cents = EuroField(_l("Hourly rate, members (€ excl. VAT)"), [InputRequired()])
    rate_public_cents = EuroField(_l("Hourly rate, public (€ excl. VAT)"), [InputRequired()])
    rate_reduced_cents = EuroField(_l("Hourly rate, reduced (€ excl. VAT)"), [InputRequired()])
    rate_company_cents = EuroField(_l("Hourly rate, companies (€ excl. VAT)"), [InputRequired()])
    billing_increment_minutes = IntegerField(
        _l("Billing increment (minutes)"),
        validators=[InputRequired(), NumberRange(min=1, max=1440)],
        description=_l("Time is billed per started increment."),
    )
    consumable_unit = SelectField(
        _l("Consumable unit"), choices=[choice(u.value, label) for u, label in UNIT_LABELS.items()]
    )
    consumable_rate_cents = EuroField(_l("Consumable price per unit (€ excl. VAT)"), [Optional()])
    required_qualification = SelectField(_l("Required qualification"), coerce=int)
    unattended_allowed = BooleanField(_l("May run unattended past closing time"))
    purchase_cost_cents = EuroField(_l("Purchase cost (€ excl. VAT)"), [Optional()])
    purchase_date = DateField(_l("Purchase date"), validators=[Optional()])
    lifetime_hours = IntegerField(
        _l("Expected lifetime (hours of use)"), validators=[Optional(), NumberRange(min=1)]
    )
    monthly_maintenance_cents = EuroField(_l("Monthly maintenance cost (€)"), [Optional()])
    slot_step_minutes = rule_field(*RULE_FIELDS[0][1:], BLANK_IS_DEFAULT)
    min_duration_minutes = rule_field(*RULE_FIELDS[1][1:], BLANK_IS_DEFAULT)
    max_duration_minutes = rule_field(*RULE_FIELDS[2][1:], BLANK_IS_DEFAULT)
    max_advance_days = rule_field(*RULE_FIELDS[3][1:], BLANK_IS_DEFAULT)
    min_notice_minutes = rule_field(*RULE_FIELDS[4][1:], BLANK_IS_DEFAULT)
    cancel_deadline_hours = rule_field(*RULE_FIELDS[5][1:], BLANK_IS_DEFAULT)
    buffer_minutes = rule_field(*RULE_FIELDS[6][1:], BLANK_IS_DEFAULT)
    weekly_quota_hours = rule_field(*RULE_FIELDS[7][1:], BLANK_IS_DEFAULT)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return check_rule_consistency(self) and valid

    def machine_values(self, qualifications: dict) -> dict:
        """The validated values, as the service expects them."""
        values = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "photo", "remove_photo", "required_qualification")
        }
        values["consumable_rate_cents"] = values["consumable_rate_cents"] or 0
        values["purchase_cost_cents"] = values["purchase_cost_cents"] or 0
        values["monthly_maintenance_cents"] = values["monthly_maintenance_cents"] or 0
        values["description"] = (values["description"] or "").strip()
        values["location"] = (values["location"] or "").strip()
        values["required_qualification"] = qualifications.get(self.required_qualification.data)
        return values


class SettingsForm(Form):
    name = StringField(_l("Name of the lab"), validators=[InputRequired(), Length(max=120)])
    legal_name = StringField(_l("Legal name"), validators=[Length(max=200)])
    siret = StringField(_l("SIRET"), validators=[Length(max=20)])
    vat_number = StringField(_l("VAT number"), validators=[Length(max=20)])
    address = TextAreaField(_l("Address"))
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    timezone = StringField(
        _l("Time zone"),
        validators=[InputRequired(), Length(max=64)],
        description=_l("A zone name such as Europe/Paris."),
    )
    vat_rate_bp = PercentField(_l("VAT rate (%)"), [InputRequired()], minimum=0, maximum=10000)
    no_show_after_minutes = IntegerField(
        _l("No-show after (minutes past the start)"),
        validators=[InputRequired(), NumberRange(min=0, max=1440)],
    )
    slot_step_minutes = rule_field(*RULE_FIELDS[0][1:], BLANK_IS_NONE)
    min_duration_minutes = rule_field(*RULE_FIELDS[1][1:], BLANK_IS_NONE)
    max_duration_minutes = rule_field(*RULE_FIELDS[2][1:], BLANK_IS_NONE)
    max_advance_days = rule_field(*RULE_FIELDS[3][1:], BLANK_IS_NONE)
    min_notice_minutes = rule_field(*RULE_FIELDS[4][1:], BLANK_IS_NONE)
    cancel_deadline_hours = rule_field(*RULE_FIELDS[5][1:], BLANK_IS_NONE)
    buffer_minutes = rule_field(*RULE_FIELDS[6][1:], BLANK_IS_NONE)
    weekly_quota_hours = rule_field(*RULE_FIELDS[7][1:], BLANK_IS_NONE)

    def validate_timezone(self, field):
        if not is_valid_timezone((field.data or "").strip()):
            raise ValidationError(_l("Unknown time zone: use a name such as Europe/Paris."))

    def validate_siret(self, field):
        digits = (field.data or "").replace(" ", "")
        if digits and not (digits.isdigit() and len(digits) == 14):
            raise ValidationError(_l("A SIRET has 14 digits."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return check_rule_consistency(self) and valid

    def settings_values(self) -> dict:
        values = {n: f.data for n, f in self._fields.items() if n != "csrf_token"}
        values["email"] = (values["email"] or "").strip().lower()
        return values


class OpeningHoursForm(Form):
    """One text field per weekday: "10:00-12:30, 14:00-19:00"; blank = closed."""

    day_0 = StringField(WEEKDAYS[0])
    day_1 = StringField(WEEKDAYS[1])
    day_2 = StringField(WEEKDAYS[2])
    day_3 = StringField(WEEKDAYS[3])
    day_4 = StringField(WEEKDAYS[4])
    day_5 = StringField(WEEKDAYS[5])
    day_6 = StringField(WEEKDAYS[6])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.week = {}
        for weekday in range(7):
            field = self[f"day_{weekday}"]
            try:
                self.week[weekday] = parse_intervals(field.data or "")
            except SettingsError as error:
                field.errors.append(error.message)
                valid = False
        return valid


class QualificationForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    description = TextAreaField(_l("Presentation"))
    validity_months = IntegerField(
        _l("Valid for (months)"),
        validators=[Optional(), NumberRange(min=1, max=1200)],
        description=_l("Blank: never expires."),
    )


class GrantForm(Form):
    email = EmailField(_l("E-mail of the person"), validators=[InputRequired(), Email()])
    expires_on = DateField(
        _l("Valid until (included)"),
        validators=[Optional()],
        description=_l("Blank: the qualification's usual validity."),
    )


class ClosureForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    machine_id = SelectField(_l("Applies to"), coerce=int)
    start = DateTimeLocalField(
        _l("From (lab time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    end = DateTimeLocalField(
        _l("Until (lab time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    repeats_yearly = BooleanField(_l("Repeats every year"))

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must come after the start."))
