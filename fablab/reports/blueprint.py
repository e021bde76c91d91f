"""The reports blueprint, shared by its view modules (views, cost_views)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
