"""Booking forms. Times are typed in the lab's local time and converted to UTC here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from fablab.forms import Form
from fablab.machines.zone import lab_zone

STATUS_LABELS = {
    "held": _l("held (payment pending)"),
    "confirmed": _l("confirmed"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
    "no_show": _l("no-show"),
    "completed": _l("completed"),
}


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def local_instant(day: date, at: time) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None when the clock skips it (DST)."""
    zone = lab_zone()
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


class TimeRangeForm(Form):
    """A day, a start and an end time (local), the end possibly on a later day."""

    day = DateField(_l("Day"), validators=[DataRequired()])
    start_time = TimeField(_l("From"), validators=[DataRequired()])
    end_time = TimeField(_l("To"), validators=[DataRequired()])
    end_day = DateField(
        _l("Ends on (if another day)"),
        validators=[Optional()],
        description=_l("Only for long unattended jobs that run overnight."),
    )

    def instants(self) -> tuple[datetime, datetime] | None:
        """(start, end) in UTC, or None with the errors set on the fields."""
        start = local_instant(self.day.data, self.start_time.data)
        end = local_instant(self.end_day.data or self.day.data, self.end_time.data)
        if start is None:
            self.start_time.errors = [_l("This time does not exist on that day (clock change).")]
        if end is None:
            self.end_time.errors = [_l("This time does not exist on that day (clock change).")]
        if start is None or end is None:
            return None
        if end <= start:
            self.end_time.errors = [_l("The end must be after the start.")]
            return None
        return start, end


class BookingForm(TimeRangeForm):
    on_company_account = BooleanField(_l("Book on my company's account"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


PERSON_HELP = _l("Type at least two letters of a name or an e-mail, then pick the person.")


def _optional_id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


class ManagerBookingForm(BookingForm):
    machine_id = SelectField(_l("Machine"), coerce=int, validators=[DataRequired()])
    person = StringField(
        _l("For"),
        validators=[Optional(), Length(max=200)],
        description=PERSON_HELP,
        render_kw={"list": "people-list", "autocomplete": "off", "data-people-search": ""},
    )
    # A person already chosen (a link, or an older client posting the id).
    user_id = HiddenField(filters=[_optional_id])
    override_rules = BooleanField(
        _l("Override the booking rules and qualification (I know what I am doing)")
    )


class MoveForm(TimeRangeForm):
    override_rules = BooleanField(_l("Override the booking rules (managers)"))


class CancelForm(Form):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])
    override_deadline = BooleanField(_l("Cancel even after the deadline (managers)"))
    waive_charge = BooleanField(_l("No charge for this late cancellation (managers)"))


class FilterForm(Form):
    """Manager filters over all bookings (GET, no CSRF)."""

    class Meta:
        csrf = False

    machine_id = SelectField(_l("Machine"), coerce=int, validators=[Optional()])
    person = StringField(
        _l("Person"),
        validators=[Optional(), Length(max=200)],
        render_kw={
            "list": "people-list",
            "autocomplete": "off",
            "data-people-search": "",
            "placeholder": _l("Name or e-mail"),
        },
    )
    user_id = HiddenField(filters=[_optional_id])
    status = SelectField(
        _l("Status"),
        choices=choices([("", "—"), *STATUS_LABELS.items()]),
        validators=[Optional()],
    )
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
