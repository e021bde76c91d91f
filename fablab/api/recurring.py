"""API: weekly recurring bookings (managers and company contacts)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fablab.api.blueprint import bp
from fablab.api.helpers import InvalidInput, load_body, login_required_api
from fablab.api.schemas import Instant
from fablab.bookings.notifications import notify_series_confirmed
from fablab.bookings.queries import get_machine_or_404, get_user_or_404
from fablab.bookings.recurring import MAX_OCCURRENCES, book_weekly_series, occurrences_json
from fablab.transaction import commit


class RecurringCreateSchema(Schema):
    machine_id = fields.Integer(required=True)
    start = Instant(required=True, metadata={"description": "Start of the first occurrence"})
    end = Instant(required=True, metadata={"description": "End of the first occurrence"})
    count = fields.Integer(
        validate=validate.Range(min=1, max=MAX_OCCURRENCES),
        metadata={"description": "Number of weekly occurrences (or give `until`)"},
    )
    until = fields.Date(metadata={"description": "Last day (lab time) an occurrence may start"})
    user_id = fields.Integer(metadata={"description": "Who will use the machine (default: caller)"})
    on_company_account = fields.Boolean(load_default=False)
    skip_conflicts = fields.Boolean(
        load_default=False,
        metadata={"description": "Book the free weeks, list the others; else all or nothing"},
    )
    override_rules = fields.Boolean(load_default=False, metadata={"description": "Managers only"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def one_bound(self, data, **_kwargs):
        if ("count" in data) == ("until" in data):
            raise ValidationError("Give either count or until.", field_name="count")


class OccurrenceSchema(Schema):
    start = fields.String(metadata={"format": "date-time"})
    end = fields.String(metadata={"format": "date-time"})
    status = fields.String(metadata={"enum": ["booked", "refused", "not_booked"]})
    reservation_id = fields.Integer(allow_none=True)
    error = fields.String(
        allow_none=True, metadata={"description": "conflict, rule_violation, not_qualified…"}
    )
    message = fields.String()


class SeriesSchema(Schema):
    series_id = fields.String()
    booked = fields.Integer()
    refused = fields.Integer()
    occurrences = fields.List(fields.Nested(OccurrenceSchema))


@bp.post("/reservations/recurring")
@login_required_api
def create_recurring_api():
    """Book a machine every week.
    ---
    post:
      summary: Create a weekly series of reservations
      description: For managers (for anyone) and company contacts (for their company's
        employees, on the company's account). One result per occurrence. With
        `skip_conflicts` the free weeks are booked (201) and the others listed with
        the reason; without it nothing is booked if any week is refused (409 with
        `occurrences`). Occurrences keep their local time across the daylight-saving
        change and share `series_id`.
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: RecurringCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: SeriesSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    data = load_body(RecurringCreateSchema())
    machine = get_machine_or_404(data["machine_id"])
    user = current_user
    if data.get("user_id") is not None and data["user_id"] != current_user.id:
        user = get_user_or_404(data["user_id"])
    company = user.company if data["on_company_account"] else None
    if data["on_company_account"] and company is None:
        raise InvalidInput(_("This account belongs to no company."), field="on_company_account")
    result = book_weekly_series(
        machine=machine,
        user=user,
        start=data["start"],
        end=data["end"],
        by=current_user,
        count=data.get("count"),
        until=data.get("until"),
        company=company,
        skip_conflicts=data["skip_conflicts"],
        override_rules=data["override_rules"],
        note=data["note"],
    )
    notify_series_confirmed(result.booked)
    commit()
    body = {
        "series_id": result.series_id,
        "booked": len(result.booked),
        "refused": len(result.refused),
        "occurrences": occurrences_json(result),
    }
    return jsonify(SeriesSchema().dump(body)), 201
