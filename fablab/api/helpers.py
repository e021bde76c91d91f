"""Helpers for API views: authentication, input parsing, datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError

from fablab.errors import DomainError, Forbidden

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def login_required_api(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized(_("Authentication required: send a Bearer token."))
        return view(*args, **kwargs)

    return wrapped


def manager_required_api(view):
    @wraps(view)
    @login_required_api
    def wrapped(*args, **kwargs):
        if not current_user.is_manager:
            raise Forbidden(_("This needs a manager account."))
        return view(*args, **kwargs)

    wrapped.managers_only = True  # the OpenAPI document lists its 403
    return wrapped


def load_body(schema: Schema) -> dict:
    """Validate the JSON body with a marshmallow schema, or answer 422."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(_("The body must be a JSON object."))
    return _load(schema, data)


def load_query(schema: Schema) -> dict:
    return _load(schema, request.args.to_dict())


def _load(schema: Schema, data: dict) -> dict:
    try:
        loaded = schema.load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        field = next(iter(messages), None)
        text = "; ".join(
            f"{name}: {' '.join(map(str, errs)) if isinstance(errs, list) else errs}"
            for name, errs in messages.items()
        )
        raise InvalidInput(text, field=field, fields=messages) from None
    for name, value in loaded.items():
        if _too_large(value):
            raise InvalidInput(_("%(field)s: this number is too large.", field=name), field=name)
    return loaded


def _too_large(value) -> bool:
    """Integers and decimals beyond what the database columns hold (32-bit, cents)."""
    from fablab.forms import too_large

    if isinstance(value, dict):
        return any(_too_large(item) for item in value.values())
    if isinstance(value, list):
        return any(_too_large(item) for item in value)
    return too_large(value)


def check_instant_range(value: datetime, field: str) -> datetime:
    """Refuse instants outside 2000–2100 (old zone offsets carry seconds)."""
    if not EARLIEST <= value < LATEST:
        raise InvalidInput(_("Dates must lie between 2000 and 2100."), field=field)
    return value.astimezone(UTC)
