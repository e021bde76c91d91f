"""The billing blueprint, defined once: each view module of the package adds its routes to it."""

from flask import Blueprint

bp = Blueprint("billing", __name__)
