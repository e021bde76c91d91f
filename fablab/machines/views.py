from flask import Blueprint

bp = Blueprint("machines", __name__)
