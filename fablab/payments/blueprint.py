"""The payments blueprint, defined once; every view module of the package imports it."""

from flask import Blueprint

bp = Blueprint("payments", __name__)
