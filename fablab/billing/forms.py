"""Billing forms. Amounts are typed in euros and become integer cents here."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from fablab.billing.models import ChargeKind, PaymentMethod, TimePolicy, VatRegime
from fablab.forms import Form


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: country, check digits, then the rearranged number modulo 97 is 1."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def to_milli(value: Decimal) -> int:
    return int((value * 1000).to_integral_value())


def at_most_decimals(places: int):
    def check(form, field):
        if field.data is None:
            return
        try:
            exact = field.data == round(field.data, places)
        except ArithmeticError:  # too large to round: NumberRange already refused it
            return
        if not exact:
            raise ValidationError(_l("At most %(n)d decimals.", n=places))

    return check


def euros_field(label, required=True, minimum=Decimal("0"), description=""):
    # InputRequired, not DataRequired: 0 € is a valid amount (a free membership).
    validators = [InputRequired() if required else Optional()]
    validators += [NumberRange(min=minimum, max=Decimal("1000000")), at_most_decimals(2)]
    return DecimalField(label, places=2, validators=validators, description=description)


class MonthRunForm(Form):
    month = StringField(
        _l("Month"),
        validators=[
            DataRequired(),
            Regexp(r"^\d{4}-\d{2}$", message=_l("Give a month as YYYY-MM.")),
        ],
        description=_l("For example 2026-10."),
    )


class ConfirmIssueForm(Form):
    """Confirming a preview: what was shown (its fingerprint) is what gets issued."""

    month = HiddenField()
    fingerprint = HiddenField(validators=[DataRequired()])


class ChargeForm(Form):
    customer_email = StringField(
        _l("Person (e-mail)"), validators=[Optional(), Email(), Length(max=254)]
    )
    company_id = SelectField(_l("Or company"), coerce=int, default=0)
    kind = SelectField(
        _l("Kind"),
        choices=[
            (ChargeKind.OTHER.value, _l("Other")),
            (ChargeKind.MACHINE_TIME.value, _l("Machine time")),
            (ChargeKind.CONSUMABLE.value, _l("Material")),
            (ChargeKind.EVENT.value, _l("Event or training")),
        ],
    )
    description = StringField(_l("Description"), validators=[DataRequired(), Length(max=300)])
    quantity = DecimalField(
        _l("Quantity"),
        places=3,
        default=Decimal("1"),
        validators=[
            DataRequired(),
            NumberRange(min=Decimal("0.001"), max=Decimal("100000")),
            at_most_decimals(3),
        ],
    )
    unit_price = euros_field(_l("Unit price excl. VAT (€)"))


class MembershipForm(Form):
    email = StringField(
        _l("Person (e-mail)"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("Leave empty to charge every active member who pays a fee."),
    )
    year = IntegerField(
        _l("Year"),
        default=lambda: date.today().year,
        validators=[DataRequired(), NumberRange(min=2000, max=2099)],
    )


class CreditNoteForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    amount = euros_field(
        _l("Amount excl. VAT (€)"),
        required=False,
        minimum=Decimal("0.01"),
        description=_l("Leave empty to cancel the whole invoice."),
    )
    line = SelectField(
        _l("Line credited"),
        coerce=int,
        default=0,
        description=_l("An amount is credited at the VAT rate of the line it credits."),
    )


class PaymentForm(Form):
    amount = euros_field(_l("Amount received (€)"), minimum=Decimal("0.01"))
    method = SelectField(
        _l("Method"),
        choices=[
            (PaymentMethod.CASH.value, _l("Cash")),
            (PaymentMethod.CARD.value, _l("Card terminal")),
            (PaymentMethod.TRANSFER.value, _l("Bank transfer")),
            (PaymentMethod.CHEQUE.value, _l("Cheque")),
        ],
    )
    received_on = DateField(_l("Received on"), validators=[DataRequired()], default=date.today)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=200)])


class PeriodForm(Form):
    class Meta:
        csrf = False  # a GET filter

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class BillingSettingsForm(Form):
    time_policy = SelectField(
        _l("Machine time billed"),
        choices=[
            (TimePolicy.BOOKED.value, _l("Booked time (completed and missed bookings)")),
            (TimePolicy.USED.value, _l("Used time (usage sessions)")),
        ],
    )
    bill_no_shows = BooleanField(_l("Bill the booked time of bookings nobody came to (no-shows)"))
    bill_late_cancellations = BooleanField(
        _l("Bill the booked time of bookings cancelled after the deadline")
    )
    payment_terms_days = IntegerField(
        _l("Payment terms (days)"), validators=[DataRequired(), NumberRange(min=0, max=60)]
    )
    late_payment_text = TextAreaField(
        _l("Late-payment mentions (companies)"), validators=[DataRequired(), Length(max=2000)]
    )
    invoice_prefix = StringField(
        _l("Invoice number prefix"),
        validators=[DataRequired(), Regexp(r"^[A-Z]{1,8}$", message=_l("1 to 8 capital letters."))],
    )
    credit_note_prefix = StringField(
        _l("Credit note number prefix"),
        validators=[DataRequired(), Regexp(r"^[A-Z]{1,8}$", message=_l("1 to 8 capital letters."))],
    )
    membership_fee_member = euros_field(_l("Yearly membership fee, members (€)"))
    membership_fee_public = euros_field(_l("Yearly membership fee, public (€)"))
    membership_fee_reduced = euros_field(_l("Yearly membership fee, reduced rate (€)"))
    membership_fee_company = euros_field(_l("Yearly membership fee, company employees (€)"))
    legal_form = StringField(
        _l("Legal form"),
        validators=[Length(max=100)],
        description=_l("For example: Association loi 1901, SAS, SCIC SARL."),
    )
    share_capital = StringField(
        _l("Share capital"),
        validators=[Length(max=40)],
        description=_l("For a company, e.g. 10 000 €. Leave empty for an association."),
    )
    registration = StringField(
        _l("RCS or RNA registration"),
        validators=[Length(max=120)],
        description=_l("For example: RCS Lyon 123 456 789, or RNA W691234567."),
    )
    vat_regime = SelectField(
        _l("VAT"),
        choices=[
            (VatRegime.NORMAL.value, _l("VAT charged at each line's rate")),
            (VatRegime.FRANCHISE.value, _l("No VAT: franchise (art. 293 B du CGI)")),
            (VatRegime.EXEMPT.value, _l("No VAT: non-profit exemption (art. 261-7-1° b du CGI)")),
        ],
    )
    vat_on_debits = BooleanField(
        _l("VAT on services paid on debits (option)"),
        description=_l("Otherwise VAT on services is due when the customer pays (encaissements)."),
    )
    reminder_days = StringField(
        _l("Automatic reminders (days after the due date)"),
        validators=[Length(max=60)],
        description=_l("For example 7, 30, 60. Leave empty for no automatic reminder."),
    )
    late_payment_text_private = TextAreaField(
        _l("Payment mentions for private persons"),
        validators=[Length(max=2000)],
        description=_l("The penalties and the 40 € indemnity above apply to companies only."),
    )

    def validate_reminder_days(self, field):
        from fablab.billing.reminders import parse_days

        if parse_days(field.data or "") is None:
            raise ValidationError(_l("Days separated by commas, e.g. 7, 30, 60."))

    bank_iban = StringField(
        _l("IBAN for bank transfers (printed on invoices)"),
        filters=[lambda value: (value or "").replace(" ", "").upper()],
        validators=[Length(max=34)],
    )
    bank_bic = StringField(
        _l("BIC"),
        filters=[lambda value: (value or "").replace(" ", "").upper()],
        validators=[Length(max=11)],
    )

    def validate_bank_iban(self, field):
        if field.data and not iban_is_valid(field.data):
            raise ValidationError(_l("This IBAN is not valid (check the digits)."))

    def validate_bank_bic(self, field):
        if field.data and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", field.data):
            raise ValidationError(_l("A BIC has 8 or 11 letters and digits."))

    def validate_credit_note_prefix(self, field):
        if field.data == self.invoice_prefix.data:
            raise ValidationError(_l("The two prefixes must differ."))
