"""API routes for events: the public list and registering with an account."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from marshmallow import Schema, fields, validate

from fablab.api.blueprint import bp
from fablab.api.helpers import load_body, load_query, login_required_api
from fablab.errors import NotFound
from fablab.events import registrations as regs
from fablab.events.models import Audience, Event, EventKind, EventStatus, Registration
from fablab.events.services import upcoming_events
from fablab.extensions import db
from fablab.transaction import commit

KINDS = [k.value for k in EventKind]
AUDIENCES = [a.value for a in Audience]


class EventListQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    audience = fields.String(validate=validate.OneOf(AUDIENCES))


class EventSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": KINDS})
    audience = fields.String(metadata={"enum": AUDIENCES})
    title = fields.String(metadata={"description": "In the request's language (Accept-Language)"})
    title_fr = fields.String()
    title_en = fields.String()
    description = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    place = fields.String()
    capacity = fields.Integer()
    seats_left = fields.Integer()
    prices_cents = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Excl. VAT"}
    )
    qualification = fields.String(allow_none=True)
    url = fields.String()


class RegistrationCreateSchema(Schema):
    first_visit = fields.Boolean(
        load_default=False, metadata={"description": "First time at the lab (funder metrics)"}
    )


class RegistrationSchema(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    status = fields.String(metadata={"enum": ["confirmed", "waitlisted"]})
    waitlist_position = fields.Integer(allow_none=True)
    price_cents = fields.Integer()


def event_json(event: Event) -> dict:
    locale = str(get_locale() or "fr")
    return EventSchema().dump(
        {
            "id": event.id,
            "kind": event.kind,
            "audience": event.audience,
            "title": event.title_for(locale),
            "title_fr": event.title_fr,
            "title_en": event.title_en,
            "description": event.description_for(locale),
            "start": event.start_at,
            "end": event.end_at,
            "place": event.place,
            "capacity": event.capacity,
            "seats_left": regs.seats_left(event),
            "prices_cents": {
                "member": event.price_member_cents,
                "public": event.price_public_cents,
                "reduced": event.price_reduced_cents,
                "company": event.price_company_cents,
            },
            "qualification": event.qualification.name if event.qualification else None,
            "url": url_for("events.detail", event_id=event.id, _external=True),
        }
    )


def registration_json(registration: Registration) -> dict:
    return RegistrationSchema().dump(
        {
            "id": registration.id,
            "event_id": registration.event_id,
            "status": registration.status,
            "waitlist_position": regs.waitlist_rank(registration),
            "price_cents": registration.price_cents,
        }
    )


@bp.get("/events")
def list_events():
    """Upcoming published events of the lab, soonest first.
    ---
    get:
      summary: List upcoming events
      security: []
      parameters:
      - in: query
        schema: EventListQuerySchema
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: EventSchema
        422:
          $ref: '#/components/responses/Error'
    """
    query = load_query(EventListQuerySchema())
    events = upcoming_events(kind=query.get("kind"), audience=query.get("audience"))
    return jsonify([event_json(event) for event in events])


@bp.post("/events/<int:event_id>/registrations")
@login_required_api
def create_registration(event_id: int):
    """Register the caller to an event: confirmed, or waitlisted when it is full.
    ---
    post:
      summary: Register to an event
      security: [{bearer: []}]
      parameters:
      - in: path
        name: event_id
        required: true
        schema: {type: integer}
      requestBody:
        content:
          application/json:
            schema: RegistrationCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: RegistrationSchema
        401:
          $ref: '#/components/responses/Error'
        403:
          description: The event is not for the caller's audience
          content:
            application/json:
              schema: ErrorSchema
        404:
          $ref: '#/components/responses/Error'
        409:
          description: Already registered (already_registered) or registration closed
            (registration_closed)
          content:
            application/json:
              schema: ErrorSchema
        422:
          $ref: '#/components/responses/Error'
    """
    body = load_body(RegistrationCreateSchema()) if request.get_data() else {"first_visit": False}
    event = db.session.get(Event, event_id)
    if event is None or event.status == EventStatus.DRAFT:
        raise NotFound()
    registration = regs.register(event=event, user=current_user, first_visit=body["first_visit"])
    commit()
    return jsonify(registration_json(registration)), 201
