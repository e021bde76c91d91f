"""Forms of the accounting page."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from fablab.billing.accounting.chart import ChartError, parse_chart
from fablab.billing.models import ClosingKind
from fablab.forms import Form

MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


class FecForm(Form):
    class Meta:
        csrf = False  # a GET download

    year = IntegerField(
        _l("Fiscal year"),
        default=lambda: date.today().year,
        validators=[DataRequired(), NumberRange(min=2000, max=2099)],
    )


class CloseForm(Form):
    kind = SelectField(
        _l("Close"),
        choices=[(ClosingKind.MONTH.value, _l("A month")), (ClosingKind.YEAR.value, _l("A year"))],
    )
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2099)])
    month = SelectField(_l("Month"), coerce=int, choices=MONTHS, default=1)
    receipt_email = EmailField(
        _l("Send the closing receipt to"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l(
            "An address outside the lab (your accountant's): the checksum it carries proves "
            "later that the archive was not rewritten."
        ),
    )


class ChartForm(Form):
    chart_of_accounts = TextAreaField(
        _l("Chart of accounts"),
        validators=[DataRequired(), Length(max=5000)],
        render_kw={"rows": 20},
        description=_l(
            "One 'key = account' per line: revenue.<kind>, vat.<rate in basis points> "
            "(vat.2000 = 20 %), vat.other, vat.pending, customers, payment.<method>."
        ),
    )

    def validate_chart_of_accounts(self, field):
        try:
            parse_chart(field.data or "")
        except ChartError as error:
            raise ValidationError(error.message) from None
