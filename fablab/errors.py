"""Domain errors and how the edge shows them (HTML page or JSON for the API)."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refusal a user can understand. Services raise it; views map it."""

    status = 422
    code = "invalid"

    def __init__(self, message: str | None = None, *, field: str | None = None, **details):
        self.message = str(message) if message is not None else str(self.default_message())
        self.field = field
        self.details = details
        super().__init__(self.message)

    def default_message(self):
        return _l("This request is not valid.")

    def to_json(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return body


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def default_message(self):
        return _l("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"

    def default_message(self):
        return _l("You are not allowed to do this.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/stripe/")


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if wants_json():
            return jsonify(error.to_json()), error.status
        return render_template(
            "error.html", status=error.status, message=error.message
        ), error.status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = str(_l("The form expired or was sent from elsewhere. Please try again."))
        if wants_json():
            return jsonify({"error": "csrf", "message": message}), 400
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            code = _HTTP_CODES.get(status, "error")
            return jsonify({"error": code, "message": error.description}), status
        return render_template("error.html", status=status, message=error.description), status

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unexpected error")
        from fablab.transaction import rollback

        rollback()
        message = str(_l("Something went wrong on our side. The lab has been told."))
        if wants_json():
            return jsonify({"error": "internal", "message": message}), 500
        return render_template("error.html", status=500, message=message), 500
