"""API routes of the mail outbox: what was sent, what waits, what failed and why; send again."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields

from fablab.api.blueprint import bp
from fablab.api.helpers import InvalidInput, login_required_api, manager_required_api
from fablab.errors import NotFound
from fablab.extensions import db
from fablab.outbox.models import MessageStatus, OutboxMessage
from fablab.outbox.queries import messages, messages_to
from fablab.outbox.services import resend
from fablab.transaction import commit


class OutboxMessageSchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    recipient = fields.String()
    subject = fields.String(
        allow_none=True, metadata={"description": "Null until a message stored unrendered is sent"}
    )
    kind = fields.String(allow_none=True, metadata={"description": "The renderer, if unrendered"})
    status = fields.String(metadata={"enum": [s.value for s in MessageStatus]})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    deadline_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class OutboxPageSchema(Schema):
    messages = fields.List(fields.Nested(OutboxMessageSchema))
    more = fields.Boolean(metadata={"description": "Older messages follow on the next page"})


@bp.get("/outbox")
@manager_required_api
def list_outbox():
    """The lab's outgoing mail, newest first, 50 a page (managers).
    ---
    get:
      summary: List outgoing mail
      security: [{bearer: []}]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [pending, sending, sent, failed]}}
        - {in: query, name: to, description: Part of the address, schema: {type: string}}
        - {in: query, name: page, schema: {type: integer, minimum: 1, maximum: 10000}}
      responses:
        200:
          content:
            application/json:
              schema: OutboxPageSchema
        403:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in MessageStatus}:
        raise InvalidInput(_("Unknown status."), field="status")
    page = request.args.get("page", 1, type=int)
    if page is None or not 1 <= page <= 10_000:
        raise InvalidInput(_("The page must be between 1 and 10000."), field="page")
    recipient = (request.args.get("to") or "").strip()[:254]
    found, more = messages(status=status, recipient=recipient, page=page)
    return jsonify(OutboxPageSchema().dump({"messages": found, "more": more}))


@bp.post("/outbox/<int:message_id>/resend")
@manager_required_api
def resend_outbox_message(message_id: int):
    """Send a sent or failed message again, as a new message (managers).
    ---
    post:
      summary: Send a message again
      security: [{bearer: []}]
      parameters:
        - {in: path, name: message_id, required: true, schema: {type: integer}}
      responses:
        201:
          content:
            application/json:
              schema: OutboxMessageSchema
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
    """
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_("No such message."))
    copy = resend(message=message)
    commit()
    return jsonify(OutboxMessageSchema().dump(copy)), 201


@bp.get("/me/mails")
@login_required_api
def my_mails():
    """The mails the lab wrote to the caller, newest first.
    ---
    get:
      summary: My mails
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: OutboxMessageSchema
        401:
          $ref: '#/components/responses/Error'
    """
    return jsonify(OutboxMessageSchema(many=True).dump(messages_to(current_user.email)))
