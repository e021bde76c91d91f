"""Cells for CSV and XLSX exports that a spreadsheet never runs as a formula.

A person's own text (a name, a company) starting with ``=``, ``+``, ``-``, ``@``
or a control character is prefixed with an apostrophe (CSV injection, OWASP).
Plain numbers, negative amounts included, are left as numbers.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def safe_cell(value):
    """``value``, made inert when it is text a spreadsheet would evaluate."""
    formula_like = isinstance(value, str) and value.startswith(FORMULA_START)
    if formula_like and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_row(values) -> list:
    """Every cell of a row through ``safe_cell`` (use it for every exported row)."""
    return [safe_cell(value) for value in values]
