"""Form fields for amounts: euros and percentages typed as text, kept as integers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError


def parse_decimal(text: str, places: int = 2) -> Decimal:
    """Parse "12,50" or "1 200.5" into a Decimal with at most ``places`` decimals."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    cleaned = cleaned.removesuffix("€").removesuffix("%")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("not a number") from None
    # Beyond ten million the value could not be stored as integer hundredths anyway.
    if not value.is_finite() or abs(value) >= 10_000_000:
        raise ValueError("not a number")
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise ValueError("too many decimals")
    return value


class ScaledIntegerField(StringField):
    """Text with up to 2 decimals shown to people, stored ×100 as an integer.

    Euros become cents, percents become basis points. ``data`` is None when blank.
    """

    invalid_message = _l("Enter an amount with at most two decimals, e.g. 12.50.")

    def __init__(self, *args, minimum: int | None = 0, maximum: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0] if valuelist else ""
        if not self.raw_text.strip():
            self.data = None
            return
        try:
            self.data = int(parse_decimal(self.raw_text) * 100)
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.minimum is not None and self.data < self.minimum:
            raise ValidationError(str(self.range_message()))
        if self.maximum is not None and self.data > self.maximum:
            raise ValidationError(str(self.range_message()))

    def range_message(self):
        return _l("The amount cannot be negative.")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = f"{Decimal(self.data) / 100:.2f}"
        locale = get_locale()
        return text.replace(".", ",") if locale and locale.language == "fr" else text


class EuroField(ScaledIntegerField):
    """An amount in euros, ``data`` in integer cents."""


class PercentField(ScaledIntegerField):
    """A percentage, ``data`` in basis points (20 % -> 2000)."""

    invalid_message = _l("Enter a percentage with at most two decimals, e.g. 20 or 5.5.")

    def range_message(self):
        return _l("The rate must lie between 0 and 100 %.")


try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    from wtforms.fields.choices import SelectChoice as _SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    _SelectChoice = None


def choice(value, label):
    """One option of a SelectField, in the form the installed WTForms prefers."""
    return _SelectChoice(value, label) if _SelectChoice else (value, label)
