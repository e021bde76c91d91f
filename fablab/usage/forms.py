"""Forms of the usage pages: kiosk stop, manager add/correct/review, devices."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from fablab.formatting import unit_hint
from fablab.forms import Form
from fablab.machines.zone import lab_zone


def to_utc(local: datetime | None) -> datetime | None:
    """A wall-clock time typed in the lab's zone as an aware UTC instant."""
    if local is None:
        return None
    return local.replace(tzinfo=lab_zone()).astimezone(UTC)


def to_local_naive(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(lab_zone()).replace(tzinfo=None)


def _quantity(label):
    return DecimalField(
        label,
        places=3,
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("The quantity of material cannot be negative.")),
        ],
    )


def material_in_unit(form, unit: str):
    """Say on the form's material field which unit it is typed in ("in sheets")."""
    hint = unit_hint(unit)
    if hint:
        form.consumables.description = _("Quantity %(unit)s, e.g. 12.5", unit=hint)
    return form


def _when(label, required: bool = True):
    return DateTimeLocalField(
        label,
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired() if required else Optional()],
    )


def _reason():
    return TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Say why: a reason is required.")), Length(max=2000)],
        description=_l("Kept in the session's history."),
    )


class StopForm(Form):
    consumables = _quantity(_l("Material used"))


class SessionForm(Form):
    machine_id = SelectField(_l("Machine"), coerce=int, validators=[DataRequired()])
    user_email = StringField(_l("Member's e-mail"), validators=[DataRequired(), Email()])
    started_at = _when(_l("Started at"))
    ended_at = _when(_l("Ended at"))
    consumables = _quantity(_l("Material used"))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    reason = _reason()


class CorrectForm(Form):
    started_at = _when(_l("Started at"))
    ended_at = _when(_l("Ended at"), required=False)
    consumables = _quantity(_l("Material used"))
    user_email = StringField(_l("Member's e-mail"), validators=[DataRequired(), Email()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    reason = _reason()


class ApproveForm(Form):
    reason = _reason()


class DeviceTokenForm(Form):
    label = StringField(
        _l("Label"),
        validators=[Length(max=100)],
        description=_l("E.g. “badge reader by the door”."),
    )


class OctoPrintForm(Form):
    """The machine's 3D-printer link (OctoPrint, Moonraker or PrusaLink)."""

    kind = SelectField(
        _l("Printer server"),
        choices=[
            ("octoprint", "OctoPrint"),
            ("moonraker", "Moonraker (Klipper)"),
            ("prusalink", "PrusaLink (Prusa MK4, XL, MINI)"),
            ("shelly", _l("Shelly relay / power meter (machines without an API)")),
        ],
        default="octoprint",
    )
    url = StringField(
        _l("Address"),
        validators=[DataRequired(), URL(require_tld=False), Length(max=255)],
        description=_l("E.g. http://octopi.local, http://voron.local:7125, http://192.168.1.50"),
    )
    username = StringField(
        _l("User (PrusaLink, Shelly)"),
        validators=[Length(max=100)],
        description=_l(
            "PrusaLink's digest user, usually “maker”; a Shelly with a password: “admin”. "
            "Empty: the key is sent as an API key."
        ),
    )
    api_key = StringField(
        _l("API key or password"),
        validators=[Length(max=255)],
        description=_l(
            "OctoPrint: an application key. Moonraker: its API key (empty if it trusts "
            "the lab's network). PrusaLink: the password shown on the printer. Shelly: its "
            "password, if set. "
            "Leave empty to keep the stored one."
        ),
    )
    diameter_mm = DecimalField(
        _l("Filament diameter (mm)"),
        places=2,
        default=1.75,
        validators=[DataRequired(), NumberRange(min=0.5, max=5)],
    )
    density_g_cm3 = DecimalField(
        _l("Filament density (g/cm³)"),
        places=2,
        default=1.24,
        validators=[DataRequired(), NumberRange(min=0.5, max=3)],
        description=_l("PLA 1.24, PETG 1.27, ABS 1.04"),
    )
    default_user_email = StringField(
        _l("Account for prints without a booking"),
        validators=[Optional(), Email()],
        description=_l("Such prints are flagged for review. Empty: the first manager."),
    )
    enabled = BooleanField(_l("Poll this printer"), default=True)


class FilterForm(Form):
    class Meta:
        csrf = False

    machine_id = SelectField(_l("Machine"), coerce=int, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    source = SelectField(_l("Source"), validators=[Optional()])
    user_email = StringField(_l("Member's e-mail"), validators=[Optional()])
