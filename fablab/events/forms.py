"""Forms of the events domain: the manager's event editor and the registration form."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from fablab.events.labels import AUDIENCE_LABELS, KIND_LABELS, PARTNER_KIND_LABELS
from fablab.events.models import Event
from fablab.forms import Form
from fablab.machines.fields import EuroField, choice
from fablab.machines.zone import lab_zone, to_local

PRICE_FIELDS = ("price_member_cents", "price_public_cents", "price_reduced_cents",
                "price_company_cents")  # fmt: skip
FREE = _l("Blank or 0: free.")


class EventForm(Form):
    kind = SelectField(
        _l("Kind"), choices=[choice(k.value, label) for k, label in KIND_LABELS.items()]
    )
    audience = SelectField(
        _l("Audience"), choices=[choice(a.value, label) for a, label in AUDIENCE_LABELS.items()]
    )
    title_fr = StringField(_l("Title (French)"), validators=[InputRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)])
    description_fr = TextAreaField(_l("Description (French)"))
    description_en = TextAreaField(_l("Description (English)"))
    start_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    end_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1)])
    price_member_cents = EuroField(_l("Price for members (€)"), description=FREE)
    price_public_cents = EuroField(_l("Public price (€)"), description=FREE)
    price_reduced_cents = EuroField(_l("Reduced price (€)"), description=FREE)
    price_company_cents = EuroField(_l("Price for companies (€)"), description=FREE)
    qualification_id = SelectField(
        _l("Qualification granted to attendees (trainings)"), coerce=int, default=0
    )
    machines = SelectMultipleField(
        _l("Machines to reserve"),
        coerce=int,
        description=_l(
            "They are booked for the whole event. Ctrl-click (⌘-click) to choose several."
        ),
    )
    partners = SelectMultipleField(
        _l("Partner organisations"),
        coerce=int,
        description=_l("Schools, chambers of commerce, clusters… that run the event with the lab."),
    )

    def fill_from(self, event: Event) -> None:
        """Show an event's values (times in the lab's zone, without the offset)."""
        self.start_at.data = to_local(event.start_at).replace(tzinfo=None)
        self.end_at.data = to_local(event.end_at).replace(tzinfo=None)
        self.qualification_id.data = event.qualification_id or 0
        self.machines.data = [link.machine_id for link in event.machines]

    def event_values(self) -> dict:
        values = {
            name: getattr(self, name).data
            for name in (
                "kind",
                "audience",
                "title_fr",
                "title_en",
                "description_fr",
                "description_en",
                "place",
                "capacity",
            )  # fmt: skip
        }
        values.update({name: getattr(self, name).data or 0 for name in PRICE_FIELDS})
        values["start_at"] = _aware(self.start_at.data)
        values["end_at"] = _aware(self.end_at.data)
        values["qualification_id"] = self.qualification_id.data or None
        return values


def _aware(local: datetime | None) -> datetime | None:
    """A wall-clock time in the lab's zone as an aware datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=lab_zone())


class RegistrationForm(Form):
    """Asked of visitors without an account (name, e-mail, company)."""

    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    company_name = StringField(
        _l("Company (optional)"),
        validators=[Optional(), Length(max=200)],
    )
    first_visit = BooleanField(_l("This is my first time at the lab"))


class MemberRegistrationForm(Form):
    """For people logged in: only what we do not know yet."""

    first_visit = BooleanField(_l("This is my first time at the lab"))


class WalkInForm(Form):
    """The check-in list's "came without registering" form."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    company_name = StringField(_l("Company (optional)"), validators=[Optional(), Length(max=200)])
    first_visit = BooleanField(_l("This is my first time at the lab"))


class PartnerForm(Form):
    """A partner organisation the lab runs events with."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=[choice(k.value, label) for k, label in PARTNER_KIND_LABELS.items()]
    )
    town = StringField(_l("Town (optional)"), validators=[Optional(), Length(max=120)])
    website = StringField(_l("Website (optional)"), validators=[Optional(), Length(max=300)])

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "kind", "town", "website")}
