"""Input no part of the lab can store: refused at the door with a clear 400."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def refuse_nul_characters() -> None:
    """PostgreSQL cannot store NUL characters in text: refuse them for every database."""
    values = [*request.args.values(), *request.form.values()]
    if request.is_json:
        values.append(request.get_json(silent=True))
    if any(_has_nul(value) for value in values):
        abort(400, description=_("The request contains a NUL character, which is not allowed."))


def register(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
