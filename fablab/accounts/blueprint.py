"""The accounts blueprint, defined once: each view module of the package adds its routes to it."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
