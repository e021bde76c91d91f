"""The base of every form: Flask-WTF (CSRF) plus limits every number must respect."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# Integer columns hold 32-bit values on PostgreSQL; amounts typed in euros become cents.
LARGEST_INTEGER = 2_147_483_647
LARGEST_DECIMAL = Decimal(10_000_000)


def too_large(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > LARGEST_INTEGER
    if isinstance(value, Decimal | float):
        return abs(value) > LARGEST_DECIMAL
    return False


class Form(FlaskForm):
    """A FlaskForm that refuses numbers too large to store, beside the field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if too_large(field.data):
                field.errors = [*field.errors, str(_l("This number is too large."))]
                valid = False
        return valid
