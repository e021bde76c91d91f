"""The OpenAPI 3 document, built by apispec from the API's schemas and view docstrings."""

from __future__ import annotations

import re
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
    managers_only = set()
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("api.") or rule.endpoint == "api.static":
                continue
            view = app.view_functions[rule.endpoint]
            if view.__doc__ and "---" in view.__doc__:
                spec.path(view=view, app=app)
                if getattr(view, "managers_only", False):
                    managers_only.update((openapi_path(rule.rule), m.lower()) for m in rule.methods)
    document = with_common_errors(spec.to_dict(), managers_only)
    return plain_numbers(with_idempotency_key(with_response_descriptions(document)))


def openapi_path(rule: str) -> str:
    """/machines/<int:machine_id> → /machines/{machine_id}, as the Flask plugin writes it."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def with_common_errors(document: dict, managers_only: set[tuple[str, str]]) -> dict:
    """The errors any operation may answer, whatever its own docstring lists.

    400: a request no route can read (malformed or too deep JSON, NUL characters);
    401: no valid credentials; 403: a manager-only operation asked by someone else;
    404: an id in the path that names nothing (or nothing of the caller's);
    429: too many requests (the API's rate limit).
    """
    error = {"$ref": "#/components/responses/Error"}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            statuses = ["400", "429"]
            if operation.get("security"):
                statuses.append("401")
            if (path, method) in managers_only:
                statuses.append("403")
            if "{" in path:
                statuses.append("404")
            for status in statuses:
                if status not in responses and int(status) not in responses:
                    responses[status] = dict(error)
    return document


def with_idempotency_key(document: dict) -> dict:
    """Every POST operation accepts the Idempotency-Key header (a bad or reused one: 422)."""
    ref = {"$ref": "#/components/parameters/IdempotencyKey"}
    for operations in document.get("paths", {}).values():
        if "post" in operations:
            operations["post"].setdefault("parameters", []).append(ref)
            responses = operations["post"].setdefault("responses", {})
            if "422" not in responses and 422 not in responses:
                responses["422"] = {"$ref": "#/components/responses/Error"}
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
