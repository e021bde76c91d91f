"""Forms of the booking operations pages: kiosk check-in, waitlist, recurring series."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from fablab.bookings.recurring import MAX_OCCURRENCES
from fablab.forms import Form


class KioskCheckInForm(Form):
    """On a shared tablet the booker types their e-mail and password (not kept logged in)."""

    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)])


class WaitlistJoinForm(Form):
    machine_id = HiddenField(validators=[DataRequired()])
    day = DateField(_l("Day"), validators=[DataRequired()])
    start_time = TimeField(_l("From"), validators=[DataRequired()])
    end_time = TimeField(_l("To"), validators=[DataRequired()])


class RecurringForm(Form):
    machine_id = SelectField(_l("Machine"), coerce=int, validators=[DataRequired()])
    user_id = SelectField(_l("For"), coerce=int, validators=[DataRequired()])
    first_day = DateField(_l("First day"), validators=[DataRequired()])
    start_time = TimeField(_l("From"), validators=[DataRequired()])
    end_time = TimeField(_l("To"), validators=[DataRequired()])
    count = IntegerField(
        _l("Number of weeks"),
        validators=[Optional(), NumberRange(min=1, max=MAX_OCCURRENCES)],
        description=_l("Either a number of weeks or a last day."),
    )
    until = DateField(_l("Last day"), validators=[Optional()])
    on_company_account = BooleanField(_l("On the company's account"))
    skip_conflicts = BooleanField(
        _l("Skip conflicts"),
        description=_l("Book the free weeks and list the others; otherwise all or nothing."),
    )
    override_rules = BooleanField(_l("Override the booking rules (managers)"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.count.data is None) == (self.until.data is None):
            self.count.errors.append(_l("Give either a number of weeks or a last day."))
            return False
        if self.end_time.data <= self.start_time.data:
            self.end_time.errors.append(_l("The end must be after the start."))
            return False
        return True
