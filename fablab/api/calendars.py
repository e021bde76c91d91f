"""API routes of the calendars domain: the caller's feed token, external calendar imports."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from fablab.api.blueprint import bp
from fablab.api.core import calendar_url_for
from fablab.api.helpers import InvalidInput, load_body, login_required_api, manager_required_api
from fablab.calendars.import_models import CalendarSubscription
from fablab.calendars.imports import (
    RefreshResult,
    add_subscription,
    imported_closure_counts,
    refresh_subscription,
    remove_subscription,
    subscriptions,
)
from fablab.calendars.tokens import rotate_user_token
from fablab.errors import NotFound
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.transaction import commit


class CalendarUrlSchema(Schema):
    calendar_url = fields.String()


class SubscriptionCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    machine_id = fields.Integer(
        allow_none=True, load_default=None, metadata={"description": "Close only this machine"}
    )


class RefreshResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    removed = fields.Integer()
    not_modified = fields.Boolean()
    error = fields.String(allow_none=True)


class CalendarSubscriptionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    machine_id = fields.Integer(allow_none=True)
    closures = fields.Integer(metadata={"description": "Closures it currently holds"})
    last_fetched_at = fields.DateTime(allow_none=True)
    last_success_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_refresh = fields.Nested(RefreshResultSchema, allow_none=True)


def subscription_json(subscription: CalendarSubscription, result: RefreshResult | None = None):
    return CalendarSubscriptionSchema().dump(
        {
            "id": subscription.id,
            "name": subscription.name,
            "url": subscription.url,
            "machine_id": subscription.machine_id,
            "closures": imported_closure_counts().get(subscription.source, 0),
            "last_fetched_at": subscription.last_fetched_at,
            "last_success_at": subscription.last_success_at,
            "last_error": subscription.last_error,
            "last_refresh": vars(result) if result else None,
        }
    )


def _subscription_or_404(subscription_id: int) -> CalendarSubscription:
    subscription = db.session.get(CalendarSubscription, subscription_id)
    if subscription is None:
        raise NotFound(_("No such calendar subscription."))
    return subscription


@bp.post("/me/calendar-token")
@login_required_api
def rotate_calendar_token():
    """Revoke the caller's calendar feed link and make a new one.
    ---
    post:
      summary: New calendar feed link, shown this once (the old one then answers 404)
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: CalendarUrlSchema
        401:
          $ref: '#/components/responses/Error'
    """
    token = rotate_user_token(current_user)
    commit()
    return jsonify(CalendarUrlSchema().dump({"calendar_url": calendar_url_for(token)}))


@bp.get("/calendar/subscriptions")
@manager_required_api
def list_calendar_subscriptions():
    """External calendars the lab imports as closures (managers).
    ---
    get:
      summary: List imported calendars
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: CalendarSubscriptionSchema
        403:
          $ref: '#/components/responses/Error'
    """
    return jsonify([subscription_json(s) for s in subscriptions()])


@bp.post("/calendar/subscriptions")
@manager_required_api
def create_calendar_subscription():
    """Subscribe the lab to an external iCalendar URL and import it now (managers).
    ---
    post:
      summary: Add an imported calendar
      description: The answer's `last_refresh.error` says when the first fetch failed;
        the subscription is kept and retried every hour.
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: SubscriptionCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: CalendarSubscriptionSchema
        422:
          $ref: '#/components/responses/Error'
    """
    body = load_body(SubscriptionCreateSchema())
    machine = None
    if body["machine_id"] is not None:
        machine = db.session.get(Machine, body["machine_id"])
        if machine is None:
            raise InvalidInput(_("No such machine."), field="machine_id")
    subscription = add_subscription(name=body["name"], url=body["url"], machine=machine)
    result = refresh_subscription(subscription=subscription)
    commit()
    return jsonify(subscription_json(subscription, result)), 201


@bp.post("/calendar/subscriptions/<int:subscription_id>/refresh")
@manager_required_api
def refresh_calendar_subscription(subscription_id: int):
    """Fetch an imported calendar now (managers).
    ---
    post:
      summary: Refresh an imported calendar
      security: [{bearer: []}]
      parameters:
        - {in: path, name: subscription_id, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: CalendarSubscriptionSchema
        404:
          $ref: '#/components/responses/Error'
    """
    subscription = _subscription_or_404(subscription_id)
    result = refresh_subscription(subscription=subscription)
    commit()
    return jsonify(subscription_json(subscription, result))


@bp.delete("/calendar/subscriptions/<int:subscription_id>")
@manager_required_api
def delete_calendar_subscription(subscription_id: int):
    """Stop importing a calendar and delete its closures (managers).
    ---
    delete:
      summary: Remove an imported calendar
      security: [{bearer: []}]
      parameters:
        - {in: path, name: subscription_id, required: true, schema: {type: integer}}
      responses:
        204:
          description: Removed
        404:
          $ref: '#/components/responses/Error'
    """
    remove_subscription(subscription=_subscription_or_404(subscription_id))
    commit()
    return "", 204
