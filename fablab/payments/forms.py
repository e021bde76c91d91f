"""Forms of the payments pages: the prepayment policy, a refund."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from fablab.billing.forms import euros_field
from fablab.forms import Form


class PaymentSettingsForm(Form):
    prepay_public = BooleanField(_l("The public pays its slots by card when booking"))
    prepay_member = BooleanField(_l("Members pay their slots by card when booking"))
    prepay_reduced = BooleanField(_l("Reduced-rate members pay their slots by card when booking"))
    prepay_company = BooleanField(_l("Companies pay their slots by card when booking"))
    hold_minutes = IntegerField(
        _l("Minutes a slot or seat stays held while the customer pays"),
        validators=[DataRequired(), NumberRange(min=5, max=60)],
    )


class RefundForm(Form):
    amount = euros_field(
        _l("Amount to refund (€)"),
        required=False,
        minimum=Decimal("0.01"),
        description=_l("Leave empty to refund everything still refundable."),
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    confirm = BooleanField(_l("Yes, give this money back"), validators=[DataRequired()])
