"""The usage blueprint, defined once: each view module of the package adds its routes to it."""

from flask import Blueprint

bp = Blueprint("usage", __name__, url_prefix="/usage")
