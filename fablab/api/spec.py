"""The OpenAPI 3 document, built by apispec from the API's schemas and view docstrings."""

from __future__ import annotations

from decimal import Decimal
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask, current_app


def build_spec(app: Flask | None = None) -> dict:
    app = app or current_app
    spec = APISpec(
        title="fablab API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={
            "description": (
                "Authenticate with `Authorization: Bearer <token>` (see `flask create-token` or "
                "the profile page), or with the session cookie plus an `X-CSRFToken` header. "
                "Date-times are ISO 8601 with an offset; a naive date-time is refused with 422. "
                'Errors are `{"error": code, "message": text}`.'
            )
        },
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme(
        "deviceToken", {"type": "apiKey", "in": "header", "name": "X-Device-Token"}
    )
    spec.components.response(
        "Error",
        {"description": "An error", "content": {"application/json": {"schema": "ErrorSchema"}}},
    )
    spec.components.parameter(
        "IdempotencyKey",
        "header",
        {
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "description": (
                "Send the same key again to retry safely: the first answer comes back "
                "(header Idempotent-Replayed: true) and nothing is created twice. "
                "Keys are kept 24 hours, per caller."
            ),
        },
    )
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("api.") or rule.endpoint == "api.static":
                continue
            view = app.view_functions[rule.endpoint]
            if view.__doc__ and "---" in view.__doc__:
                spec.path(view=view, app=app)
    return plain_numbers(with_idempotency_key(with_response_descriptions(spec.to_dict())))


def with_idempotency_key(document: dict) -> dict:
    """Every POST operation accepts the Idempotency-Key header."""
    ref = {"$ref": "#/components/parameters/IdempotencyKey"}
    for operations in document.get("paths", {}).values():
        if "post" in operations:
            operations["post"].setdefault("parameters", []).append(ref)
    return document


def plain_numbers(value):
    """Decimals (e.g. a Decimal field's range) as JSON numbers, not strings."""
    if isinstance(value, dict):
        return {key: plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_numbers(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def with_response_descriptions(document: dict) -> dict:
    """Give every response without one the HTTP reason as its (required) description."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("description", _status_phrase(status))
    return document


def _status_phrase(status) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return "Response"
