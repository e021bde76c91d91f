"""API routes for usage sessions: devices (X-Device-Token), the kiosk and managers."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from fablab.api.blueprint import bp
from fablab.api.helpers import (
    InvalidInput,
    Unauthorized,
    load_body,
    load_query,
    login_required_api,
    manager_required_api,
)
from fablab.api.schemas import Instant
from fablab.errors import Forbidden
from fablab.paging import Cursor
from fablab.timeutil import utcnow
from fablab.transaction import commit
from fablab.usage.devices import device_token_for
from fablab.usage.listing import sessions_page
from fablab.usage.models import DeviceToken, UsageSession, UsageSource, UsageStatus
from fablab.usage.printers import all_links, session_source
from fablab.usage.queries import (
    device_session_counts,
    find_user,
    get_machine_or_404,
    get_session_or_404,
)
from fablab.usage.services import from_milli, sessions_query, start_session, stop_session

DEVICE_HEADER = "X-Device-Token"


class SessionStartSchema(Schema):
    machine_id = fields.Integer(
        metadata={"description": "Required unless the device token names the machine"}
    )
    user_email = fields.Email(metadata={"description": "The person using the machine"})
    user_id = fields.Integer(metadata={"description": "Or their id"})
    started_at = Instant(
        metadata={"description": "Default: now. A member may only send now (within a minute)"}
    )

    @validates_schema
    def one_person(self, data, **kwargs):
        if "user_email" in data and "user_id" in data:
            raise SchemaError(_("Give user_email or user_id, not both."), "user_email")


def _in_range(value) -> None:
    # A Range validator would put Decimal bounds as strings into the OpenAPI document.
    if not 0 <= value <= 1_000_000:
        raise SchemaError(_("The quantity must lie between 0 and 1,000,000."))


class ConsumablesSchema(Schema):
    quantity = fields.Decimal(
        required=True,
        allow_nan=False,
        validate=_in_range,
        metadata={
            "description": "In the machine's consumable unit (grams, sheets, m²)",
            "minimum": 0,
            "maximum": 1_000_000,
        },
    )


class SessionStopSchema(Schema):
    ended_at = Instant(
        metadata={"description": "Default: now. A member may only send now (within a minute)"}
    )
    consumables = fields.Nested(ConsumablesSchema)


class SessionListQuerySchema(Schema):
    machine_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in UsageStatus]))
    start = Instant()
    end = Instant()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200))


class UsageSessionSchema(Schema):
    id = fields.Integer()
    machine_id = fields.Integer()
    user_id = fields.Integer()
    reservation_id = fields.Integer(allow_none=True)
    company_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    source = fields.String(metadata={"enum": [s.value for s in UsageSource]})
    status = fields.String(metadata={"enum": [s.value for s in UsageStatus]})
    consumable_unit = fields.String()
    consumable_quantity = fields.String(metadata={"description": "Decimal, e.g. '12.5'"})
    consumable_quantity_milli = fields.Integer()
    consumable_rate_cents = fields.Integer()
    file_name = fields.String()
    flagged_reason = fields.String()


def session_json(session: UsageSession) -> dict:
    return UsageSessionSchema().dump(
        {
            **{
                name: getattr(session, name)
                for name in UsageSessionSchema().fields
                if name != "consumable_quantity"
            },
            "consumable_quantity": str(from_milli(session.consumable_quantity_milli)),
        }
    )


def _device() -> DeviceToken | None:
    """The device token sent, or None; a token that is sent must be valid (401)."""
    if DEVICE_HEADER not in request.headers:
        return None
    return device_token_for(request.headers.get(DEVICE_HEADER, "").strip())


def _authenticated_device() -> DeviceToken | None:
    """The calling device, or None for a signed-in person: anyone else is refused (401)
    before the body is read."""
    device = _device()
    if device is None and not current_user.is_authenticated:
        raise Unauthorized(_("Send X-Device-Token or a Bearer token."))
    return device


def _reported_now(value: datetime | None, field: str, device: DeviceToken | None):
    """A member reports their use as it happens: a time they send must be now, within a
    small tolerance. Devices keep their own clock rules (they may send buffered events);
    managers record past use; other corrections go through the manager's audited correction.
    """
    if value is None or device is not None or current_user.is_manager:
        return value
    tolerance = timedelta(seconds=current_app.config["USAGE_REPORT_TOLERANCE_SECONDS"])
    if abs(value - utcnow()) > tolerance:
        raise InvalidInput(
            _(
                "%(field)s must be now (within %(seconds)d seconds): leave it out. "
                "A manager corrects the times of a session.",
                field=field,
                seconds=tolerance.total_seconds(),
            ),
            field=field,
        )
    return value


def _start_inputs(data: dict, device: DeviceToken | None):
    if device is not None:
        if data.get("machine_id") not in (None, device.machine_id):
            raise Forbidden(_("This device token belongs to another machine."))
        machine = device.machine
    else:
        if "machine_id" not in data:
            raise InvalidInput(_("machine_id is required."), field="machine_id")
        machine = get_machine_or_404(data["machine_id"])
    named = "user_id" in data or "user_email" in data
    if device is None and not named:
        return machine, current_user
    if not named:
        raise Forbidden(_("Say who uses the machine: user_email or user_id."), field="user_email")
    if device is None and not current_user.is_manager and not _names_me(data):
        # Before any lookup: a member learns nothing about who has an account.
        raise Forbidden(_("Only a manager may start a session for someone else."))
    user = find_user(user_id=data.get("user_id"), email=data.get("user_email"))
    return machine, user


def _names_me(data: dict) -> bool:
    if "user_id" in data:
        return data["user_id"] == current_user.id
    return (data.get("user_email") or "").strip().lower() == current_user.email


@bp.post("/usage/sessions")
def usage_start():
    """Start a usage session of a machine.
    ---
    post:
      summary: Start a usage session
      description: >
        A device (badge reader, tablet) sends its machine's token in X-Device-Token and
        names the person; a manager may start one for anyone with a Bearer token; a
        member for themselves. 409 when the machine already runs a session or someone
        else's booking is running; 403 without the machine's qualification; 404 when
        the machine does not exist.
      security: [{deviceToken: []}, {bearer: []}]
      requestBody:
        content:
          application/json:
            schema: SessionStartSchema
      responses:
        201:
          content:
            application/json:
              schema: UsageSessionSchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    device = _authenticated_device()
    data = load_body(SessionStartSchema())
    machine, user = _start_inputs(data, device)
    session = start_session(
        machine=machine,
        user=user,
        source=(UsageSource.DEVICE if device else UsageSource.KIOSK).value,
        at=_reported_now(data.get("started_at"), "started_at", device),
        created_by=None if device else current_user,
    )
    commit()
    return jsonify(session_json(session)), 201


@bp.post("/usage/sessions/<int:session_id>/stop")
def usage_stop(session_id: int):
    """Stop a usage session, with the material used.
    ---
    post:
      summary: Stop a usage session
      description: >
        By the machine's device, the session's user or a manager. The quantity is in the
        machine's consumable unit and must be ≥ 0; the end must come after the start.
        403 for someone else's session or another machine's device.
      security: [{deviceToken: []}, {bearer: []}]
      parameters:
        - {in: path, name: session_id, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: SessionStopSchema
      responses:
        200:
          content:
            application/json:
              schema: UsageSessionSchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    device = _authenticated_device()
    session = get_session_or_404(session_id)
    if device is not None:
        if device.machine_id != session.machine_id:
            raise Forbidden(_("This device token belongs to another machine."))
    elif not current_user.is_manager and session.user_id != current_user.id:
        raise Forbidden(_("This session is not yours."))
    data = load_body(SessionStopSchema())
    quantity = (data.get("consumables") or {}).get("quantity")
    ended_at = _reported_now(data.get("ended_at"), "ended_at", device)
    stop_session(session=session, at=ended_at, consumables=quantity)
    commit()
    return jsonify(session_json(session))


@bp.get("/usage/sessions")
@login_required_api
def usage_list():
    """Usage sessions: mine, or everyone's for a manager.
    ---
    get:
      summary: List usage sessions
      security: [{bearer: []}]
      parameters:
        - {in: query, name: machine_id, schema: {type: integer}}
        - {in: query, name: status, schema: {type: string, enum: [open, closed, flagged]}}
        - {in: query, name: start, schema: {type: string, format: date-time}}
        - {in: query, name: end, schema: {type: string, format: date-time}}
        - {in: query, name: limit, schema: {type: integer, default: 100, minimum: 1, maximum: 500}}
        - in: query
          name: cursor
          schema: {type: string}
          description: The X-Next-Cursor of the previous page
      description: |
        Newest first. At most `limit` sessions; when more follow, the response carries the
        next page's address in `Link: <…>; rel="next"` and its cursor in `X-Next-Cursor`.
      responses:
        200:
          headers:
            Link:
              description: '`<url>; rel="next"` when another page follows'
              schema: {type: string}
            X-Next-Cursor:
              description: The cursor of the next page, when another page follows
              schema: {type: string}
          content:
            application/json:
              schema:
                type: array
                items: UsageSessionSchema
        401:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    filters = load_query(SessionListQuerySchema())
    limit, text = filters.pop("limit"), filters.pop("cursor", None)
    cursor = Cursor.decode(text) if text else None
    user_id = None if current_user.is_manager else current_user.id
    page = sessions_page(sessions_query(user_id=user_id, **filters), cursor=cursor, limit=limit)
    response = jsonify([session_json(s) for s in page.rows])
    if page.next_cursor is not None:
        token = page.next_cursor.encode()
        args = {**request.args.to_dict(), "cursor": token, "limit": limit}
        url = url_for("api.usage_list", _external=True, **args)
        response.headers["Link"] = f'<{url}>; rel="next"'
        response.headers["X-Next-Cursor"] = token
    return response


class PrinterLinkSchema(Schema):
    id = fields.Integer()
    machine_id = fields.Integer()
    machine_name = fields.String()
    kind = fields.String(
        metadata={"enum": ["octoprint", "moonraker", "prusalink", "shelly"]},
    )
    url = fields.String()
    enabled = fields.Boolean(metadata={"description": "Polled every minute"})
    last_polled_at = fields.DateTime(allow_none=True)
    last_contact_at = fields.DateTime(
        allow_none=True, metadata={"description": "Last time the server answered usefully"}
    )
    last_state = fields.String(metadata={"description": "The server's own state word"})
    last_error = fields.String(metadata={"description": "Empty when the last poll went well"})
    last_error_detail = fields.String(metadata={"description": "HTTP status, network error…"})
    sessions_last_7_days = fields.Integer()


@bp.get("/usage/printer-links")
@manager_required_api
def usage_printer_links():
    """Every printer and relay link with its health (managers); the key is never shown.
    ---
    get:
      summary: List printer and relay links with their health
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: PrinterLinkSchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
    """
    counts = device_session_counts(utcnow() - timedelta(days=7))
    rows = [
        {
            **{
                name: getattr(link, name)
                for name in PrinterLinkSchema().fields
                if hasattr(link, name)
            },
            "machine_name": link.machine.name,
            "last_error": _(link.last_error) if link.last_error else "",
            "sessions_last_7_days": counts.get((link.machine_id, session_source(link.kind)), 0),
        }
        for link in all_links()
    ]
    return jsonify(PrinterLinkSchema(many=True).dump(rows))
