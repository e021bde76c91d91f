"""The machines blueprint, defined once: each view module of the package adds its routes to it."""

from flask import Blueprint

bp = Blueprint("machines", __name__)
