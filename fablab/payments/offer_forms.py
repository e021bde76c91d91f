"""Forms of the offer. Amounts are typed in euros (HT) and become integer cents in the views."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from fablab.billing.forms import at_most_decimals, euros_field
from fablab.forms import Form
from fablab.machines.labels import KIND_LABELS
from fablab.payments.offer_common import DESK_METHODS

CATEGORY_CHOICES = [
    ("member", _l("Member rate")),
    ("reduced", _l("Reduced rate")),
    ("company", _l("Company rate")),
]
SERVICE_KINDS = [
    ("prototyping", _l("Prototyping job by the lab's staff")),
    ("cutting", _l("Cutting job")),
    ("training", _l("Private training for employees")),
    ("workshop", _l("Privatised workshop")),
]
METHOD_CHOICES = [
    ("", _l("Not paid yet (invoice to pay)")),
    ("cash", _l("Cash")),
    ("card", _l("Card at the desk")),
    ("transfer", _l("Bank transfer")),
    ("cheque", _l("Cheque")),
]
assert {value for value, _label in METHOD_CHOICES if value} == set(DESK_METHODS)


def months_field():
    return IntegerField(
        _l("Validity (months)"), default=12, validators=[DataRequired(), NumberRange(1, 120)]
    )


class PlanForm(Form):
    name_fr = StringField(_l("Name (French)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    price = euros_field(_l("Price excl. VAT (€)"))
    validity_months = months_field()
    category = SelectField(_l("Rate it grants"), choices=CATEGORY_CHOICES)
    for_company = BooleanField(_l("Bought by a company for its employees"))
    max_employees = IntegerField(
        _l("Employees covered (company plan)"),
        validators=[Optional(), NumberRange(1, 10_000)],
    )
    active = BooleanField(_l("On sale"), default=True)


class PackProductForm(Form):
    name_fr = StringField(_l("Name (French)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    hours = DecimalField(
        _l("Hours"),
        places=2,
        validators=[
            DataRequired(),
            NumberRange(Decimal("0.25"), Decimal("10000")),
            at_most_decimals(2),
        ],
    )
    price = euros_field(_l("Price excl. VAT (€)"))
    validity_months = months_field()
    machine_kinds = SelectMultipleField(
        _l("Machine kinds it pays for"),
        choices=[(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    active = BooleanField(_l("On sale"), default=True)


class ServiceForm(Form):
    kind = SelectField(_l("Kind"), choices=SERVICE_KINDS)
    name_fr = StringField(_l("Name (French)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    description_fr = TextAreaField(_l("Description (French)"), validators=[Length(max=4000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=4000)])
    unit = StringField(_l("Unit"), default="h", validators=[DataRequired(), Length(max=20)])
    unit_price = euros_field(_l("Indicative price per unit excl. VAT (€)"))
    active = BooleanField(_l("Offered"), default=True)


class GrantForm(Form):
    """A manager sells a membership or a pack at the desk."""

    item = SelectField(_l("Membership or pack"), validators=[DataRequired()])
    email = EmailField(_l("Person (e-mail)"), validators=[Optional(), Email(), Length(max=254)])
    company_id = SelectField(_l("Or company"), coerce=int, default=0)
    method = SelectField(_l("Payment received"), choices=METHOD_CHOICES, default="")


class QuoteRequestForm(Form):
    service_id = SelectField(_l("Service"), coerce=int)
    company_name = StringField(_l("Company"), validators=[DataRequired(), Length(max=200)])
    company_siret = StringField(_l("SIRET (optional)"), validators=[Optional(), Length(max=20)])
    company_address = TextAreaField(
        _l("Billing address"), validators=[Optional(), Length(max=1000)]
    )
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    contact_email = EmailField(
        _l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    contact_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    text = TextAreaField(
        _l("What do you need?"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Quantities, materials, dates, number of people…"),
    )


class QuoteLineForm(Form):
    class Meta:
        csrf = False

    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    quantity = DecimalField(
        _l("Quantity"),
        places=3,
        validators=[
            Optional(),
            NumberRange(Decimal("0.001"), Decimal("100000")),
            at_most_decimals(3),
        ],
    )
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])
    unit_price = euros_field(_l("Unit price excl. VAT (€)"), required=False)


class QuoteDraftForm(Form):
    lines = FieldList(FormField(QuoteLineForm), min_entries=6, max_entries=20)
    vat_rate = DecimalField(
        _l("VAT rate (%)"),
        places=2,
        default=Decimal("20"),
        validators=[DataRequired(), NumberRange(Decimal("0"), Decimal("100")), at_most_decimals(2)],
    )
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])
    deposit_percent = IntegerField(
        _l("Deposit on acceptance (%)"), default=0, validators=[Optional(), NumberRange(0, 100)]
    )
    company_id = SelectField(_l("Customer company"), coerce=int, default=0)
    notes = TextAreaField(_l("Notes printed on the quote"), validators=[Length(max=4000)])


class QuoteAnswerForm(Form):
    name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=120)])
    reason = TextAreaField(_l("Reason (if you decline)"), validators=[Length(max=2000)])
