"""Forms of the accounts pages. Business checks live in the services; the
forms only check presence and length, and show the services' errors beside
the fields (see ``show_error``)."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from fablab.accounts.models import Category, Role
from fablab.errors import DomainError
from fablab.forms import Form

try:  # WTForms 3.3+ deprecates (value, label) tuples
    from wtforms.fields import SelectChoice as choice
except ImportError:  # pragma: no cover - older WTForms

    def choice(value, label):
        return (value, label)


LANGUAGE_CHOICES = [choice("fr", "Français"), choice("en", "English")]


def role_label(role: str) -> str:
    return str(
        {
            Role.MEMBER: _l("Member"),
            Role.MANAGER: _l("Manager"),
            Role.ADMIN: _l("Administrator"),
        }.get(role, role)
    )


def category_label(category: str) -> str:
    return str(
        {
            Category.MEMBER: _l("Member"),
            Category.PUBLIC: _l("Public"),
            Category.REDUCED: _l("Reduced rate"),
            Category.COMPANY: _l("Company"),
        }.get(category, category)
    )


def show_error(form: Form, error: DomainError) -> None:
    """Put a service's error beside its field, or flash it when it has none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


_required = DataRequired(message=_l("This field is required."))


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[_required, Length(max=254)])
    password = PasswordField(_l("Password"), validators=[_required])
    remember = BooleanField(_l("Keep me logged in"))


class SignupForm(Form):
    name = StringField(_l("Name"), validators=[_required, Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[_required, Length(max=254)],
        description=_l("We send a link to this address to finish creating your account."),
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="fr")


class FinishSignupForm(Form):
    name = StringField(_l("Name"), validators=[_required, Length(max=120)])
    password = PasswordField(
        _l("Password"),
        validators=[_required],
        description=_l("At least 10 characters; a few words make a good password."),
    )


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    address = TextAreaField(
        _l("Postal address"),
        validators=[Optional(), Length(max=500)],
        description=_l("Printed on your invoices."),
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[_required])
    password = PasswordField(_l("New password"), validators=[_required])
    confirm = PasswordField(
        _l("New password again"),
        validators=[_required, EqualTo("password", message=_l("The two passwords differ."))],
    )


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[_required, Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[_required])
    confirm = PasswordField(
        _l("New password again"),
        validators=[_required, EqualTo("password", message=_l("The two passwords differ."))],
    )


class ApiTokenForm(Form):
    name = StringField(
        _l("Label"),
        validators=[_required, Length(max=100)],
        description=_l("To recognise the token later, e.g. “kiosk” or “OctoPrint”."),
    )


class UserEditForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=120)])
    role = SelectField(_l("Role"))
    category = SelectField(_l("Customer category"))
    company_id = SelectField(_l("Company"), coerce=int)
    is_company_contact = BooleanField(
        _l("Contact of the company (may invite and remove employees)")
    )

    def set_choices(self, roles: list[str], companies) -> None:
        self.role.choices = [choice(r, role_label(r)) for r in roles]
        self.category.choices = [choice(c.value, category_label(c.value)) for c in Category]
        self.company_id.choices = [choice(0, str(_l("No company")))] + [
            choice(c.id, c.legal_name) for c in companies
        ]


class CompanyForm(Form):
    legal_name = StringField(_l("Legal name"), validators=[_required, Length(max=200)])
    siret = StringField(
        _l("SIRET"), validators=[Optional(), Length(max=20)], description=_l("14 digits.")
    )
    vat_number = StringField(
        _l("Intra-EU VAT number"),
        validators=[Optional(), Length(max=20)],
        description=_l("e.g. FR32123456789"),
    )
    billing_address = TextAreaField(_l("Billing address"), validators=[Length(max=1000)])
    contact_email = EmailField(
        _l("Billing contact e-mail"), validators=[_required, Length(max=254)]
    )


class InviteForm(Form):
    email = EmailField(_l("E-mail of the person to invite"), validators=[_required])
