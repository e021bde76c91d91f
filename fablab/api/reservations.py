"""API routes for reservations and machine availability."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from fablab.api.blueprint import bp
from fablab.api.helpers import InvalidInput, load_body, load_query, login_required_api
from fablab.api.schemas import Instant
from fablab.billing.quote import quote_slot
from fablab.bookings import availability
from fablab.bookings.checkin import record_attendance
from fablab.bookings.listing import Cursor, page_of
from fablab.bookings.models import ReservationStatus
from fablab.bookings.queries import (
    filtered_reservations,
    get_machine_or_404,
    get_reservation_for,
    get_user_or_404,
)
from fablab.bookings.rules import resolve_rules
from fablab.bookings.services import cancel_reservation, create_reservation
from fablab.errors import Forbidden
from fablab.payments.slots import PaymentRequired, must_prepay
from fablab.transaction import commit

MAX_AVAILABILITY_SPAN = timedelta(days=62)
STATUSES = [s.value for s in ReservationStatus]
DEFAULT_PAGE = 100
MAX_PAGE = 500


class IntervalSchema(Schema):
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)


class BusyBlockSchema(IntervalSchema):
    kind = fields.String(metadata={"enum": ["reservation", "closure"]})
    mine = fields.Boolean(metadata={"description": "True when the caller made this booking"})


class AvailabilityQuerySchema(Schema):
    start = Instant(required=True)
    end = Instant(required=True)


class AvailabilitySchema(Schema):
    machine_id = fields.Integer()
    start = fields.DateTime()
    end = fields.DateTime()
    slot_step_minutes = fields.Integer()
    busy = fields.List(fields.Nested(BusyBlockSchema))
    bookable = fields.List(fields.Nested(IntervalSchema))


class ReservationCreateSchema(Schema):
    machine_id = fields.Integer(required=True)
    start = Instant(required=True)
    end = Instant(required=True)
    user_id = fields.Integer(metadata={"description": "Managers only: book for this person"})
    on_company_account = fields.Boolean(
        load_default=False, metadata={"description": "Bill the caller's company"}
    )
    override_rules = fields.Boolean(
        load_default=False, metadata={"description": "Managers only: ignore the booking rules"}
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReservationCancelSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    override_deadline = fields.Boolean(
        load_default=False, metadata={"description": "Managers only: cancel after the deadline"}
    )
    waive_charge = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Managers only: do not bill the booked time of a late cancellation"
        },
    )


class ReservationListQuerySchema(Schema):
    machine_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(STATUSES))
    start = Instant()
    end = Instant()
    order = fields.String(validate=validate.OneOf(["newest", "oldest"]))
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(validate=validate.Length(max=200))


class ReservationSchema(Schema):
    id = fields.Integer()
    machine_id = fields.Integer()
    machine_name = fields.String()
    user_id = fields.Integer()
    user_name = fields.String()
    company_id = fields.Integer(allow_none=True)
    start = fields.DateTime()
    end = fields.DateTime()
    blocked_until = fields.DateTime()
    status = fields.String(metadata={"enum": STATUSES})
    hold_expires_at = fields.DateTime(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_via = fields.String(
        metadata={"description": "scheduler, usage or manager (empty until completed)"}
    )
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String()
    note = fields.String()
    sequence = fields.Integer()


def _reservation_fields(reservation) -> dict:
    return {
        "id": reservation.id,
        "machine_id": reservation.machine_id,
        "machine_name": reservation.machine.name,
        "user_id": reservation.user_id,
        "user_name": reservation.user.display_name,
        "company_id": reservation.company_id,
        "start": reservation.start_at,
        "end": reservation.end_at,
        "blocked_until": reservation.blocked_until,
        "status": reservation.status,
        "hold_expires_at": reservation.hold_expires_at,
        "checked_in_at": reservation.checked_in_at,
        "completed_at": reservation.completed_at,
        "completed_via": reservation.completed_via,
        "cancelled_at": reservation.cancelled_at,
        "cancel_reason": reservation.cancel_reason,
        "note": reservation.note,
        "sequence": reservation.sequence,
    }


def reservation_json(reservation) -> dict:
    return ReservationSchema().dump(_reservation_fields(reservation))


def reservations_json(reservations) -> list[dict]:
    """Many reservations with one schema (building a schema costs more than a row)."""
    return ReservationSchema(many=True).dump([_reservation_fields(r) for r in reservations])


def _check_span(start, end) -> None:
    if end <= start:
        raise InvalidInput(_("The end must be after the start."), field="end")
    if end - start > MAX_AVAILABILITY_SPAN:
        raise InvalidInput(_("Ask for at most 62 days at a time."), field="end")


@bp.get("/machines/<int:machine_id>/availability")
def machine_availability(machine_id: int):
    """Busy and bookable intervals of a machine.
    ---
    get:
      summary: Availability of a machine
      description: Busy blocks (bookings with their buffer, closures) never name anyone;
        `mine` marks the caller's own bookings. Bookable intervals are opening hours
        minus closures minus bookings.
      security: [{bearer: []}, {}]
      parameters:
        - {in: path, name: machine_id, required: true, schema: {type: integer}}
        - {in: query, name: start, required: true, schema: {type: string, format: date-time}}
        - {in: query, name: end, required: true, schema: {type: string, format: date-time}}
      responses:
        200:
          content:
            application/json:
              schema: AvailabilitySchema
        404:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    machine = get_machine_or_404(machine_id)
    query = load_query(AvailabilityQuerySchema())
    start, end = query["start"], query["end"]
    _check_span(start, end)
    me = current_user.id if current_user.is_authenticated else None
    busy = [
        {
            "start": b.start,
            "end": b.end,
            "kind": b.kind,
            "mine": bool(b.reservation and b.reservation.user_id == me),
        }
        for b in availability.busy_blocks(machine, start, end)
        + availability.closure_blocks(machine, start, end)
    ]
    bookable = [
        {"start": s, "end": e} for s, e in availability.bookable_intervals(machine, start, end)
    ]
    body = {
        "machine_id": machine.id,
        "start": start,
        "end": end,
        "slot_step_minutes": resolve_rules(machine).slot_step_minutes,
        "busy": sorted(busy, key=lambda b: b["start"]),
        "bookable": bookable,
    }
    return jsonify(AvailabilitySchema().dump(body))


class SlotQuoteQuerySchema(AvailabilityQuerySchema):
    on_company_account = fields.Boolean(
        load_default=False, metadata={"description": "Quote for the caller's company account"}
    )


class SlotQuoteSchema(Schema):
    machine_id = fields.Integer()
    start = fields.DateTime()
    end = fields.DateTime()
    category = fields.String(
        metadata={"description": "The price category applied: member, public, reduced, company"}
    )
    company_id = fields.Integer(allow_none=True, metadata={"description": "The company invoiced"})
    hourly_rate_cents = fields.Integer(metadata={"description": "Excl. VAT"})
    increment_minutes = fields.Integer(
        metadata={"description": "Time is billed per started increment of these minutes"}
    )
    booked_minutes = fields.Integer()
    prepaid_minutes = fields.Integer(
        metadata={"description": "Minutes prepaid packs would pay (not invoiced)"}
    )
    billed_minutes = fields.Integer()
    increments = fields.Integer()
    increment_price_cents = fields.Integer()
    amount_excl_vat_cents = fields.Integer()
    vat_rate_bp = fields.Integer(metadata={"description": "VAT rate in basis points (2000 = 20 %)"})
    vat_cents = fields.Integer()
    amount_incl_vat_cents = fields.Integer()
    time_policy = fields.String(
        metadata={
            "enum": ["booked", "used"],
            "description": "booked: this is what is invoiced; used: the time used is invoiced",
        }
    )
    consumable_rate_cents = fields.Integer(metadata={"description": "Material, per unit, on top"})
    consumable_unit = fields.String()


@bp.get("/machines/<int:machine_id>/quote")
def machine_quote(machine_id: int):
    """The price the caller would pay for a slot.
    ---
    get:
      summary: Price quote of a slot
      description: What booking this slot would cost the caller, computed by the same pricing
        as the invoice (the caller's customer category, the company rate when the company pays,
        per started billing increment, VAT per line), minus the minutes the caller's prepaid
        packs would pay. Without authentication, the public rate. Material used is billed on top
        (`consumable_rate_cents` per `consumable_unit`). Amounts are integer cents.
      security: [{bearer: []}, {}]
      parameters:
        - {in: path, name: machine_id, required: true, schema: {type: integer}}
        - {in: query, name: start, required: true, schema: {type: string, format: date-time}}
        - {in: query, name: end, required: true, schema: {type: string, format: date-time}}
        - {in: query, name: on_company_account, schema: {type: boolean, default: false}}
      responses:
        200:
          content:
            application/json:
              schema: SlotQuoteSchema
        404:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    machine = get_machine_or_404(machine_id)
    query = load_query(SlotQuoteQuerySchema())
    start, end = query["start"], query["end"]
    _check_span(start, end)
    user = current_user if current_user.is_authenticated else None
    company = None
    if query["on_company_account"]:
        company = user.company if user is not None else None
        if company is None:
            raise InvalidInput(_("This account belongs to no company."), field="on_company_account")
    quote = quote_slot(machine=machine, user=user, start=start, end=end, company=company)
    body = {"machine_id": machine.id, "start": start, "end": end, **quote.as_json()}
    return jsonify(SlotQuoteSchema().dump(body))


@bp.post("/reservations")
@login_required_api
def create_reservation_api():
    """Book a machine.
    ---
    post:
      summary: Create a reservation
      description: 409 `{"error":"conflict"}` when the slot is taken; 422 when a rule
        forbids it (`rule` names it) or a date is naive; 403 when a qualification is missing;
        402 when the lab's policy asks this payer to pay the slot (POST /payments/slots).
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: ReservationCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: ReservationSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    data = load_body(ReservationCreateSchema())
    machine = get_machine_or_404(data["machine_id"])
    user = current_user
    if data.get("user_id") is not None and data["user_id"] != current_user.id:
        if not current_user.is_manager:
            raise Forbidden(_("Only a manager can book for someone else."))
        user = get_user_or_404(data["user_id"])
    company = user.company if data["on_company_account"] else None
    if data["on_company_account"] and company is None:
        raise InvalidInput(_("This account belongs to no company."), field="on_company_account")
    if must_prepay(user, company):
        raise PaymentRequired()
    reservation = create_reservation(
        machine=machine,
        user=user,
        start=data["start"],
        end=data["end"],
        by=current_user,
        company=company,
        override_rules=data["override_rules"],
        note=data["note"],
    )
    # Serialised before the commit, which expires every loaded object: after it, the
    # answer would read the reservation, its machine and person again (a profile of the
    # booking POST showed 14 % of its time there).
    body = reservation_json(reservation)
    commit()
    return jsonify(body), 201


@bp.get("/reservations")
@login_required_api
def list_reservations_api():
    """Reservations the caller may see, one page at a time.
    ---
    get:
      summary: List reservations
      description: |
        A member sees their own; a company contact also their company's; a manager every
        reservation. Filters combine (`start`/`end` keep the bookings overlapping the window).

        Order: newest first (by start, then id) for a manager, oldest first for everyone
        else, unless `order` says otherwise.

        Paging: at most `limit` reservations (default 100, at most 500) are returned. When
        more follow, the response carries the next page's address in a
        `Link: <…>; rel="next"` header and its opaque cursor in `X-Next-Cursor`: pass it
        back as `cursor` with the same filters and order. Pages are keyset pages on
        (start, id): a booking made meanwhile never appears twice nor pushes another out.
      security: [{bearer: []}]
      parameters:
        - {in: query, name: machine_id, schema: {type: integer}}
        - {in: query, name: user_id, schema: {type: integer}}
        - {in: query, name: status, schema: {type: string}}
        - {in: query, name: start, schema: {type: string, format: date-time}}
        - {in: query, name: end, schema: {type: string, format: date-time}}
        - in: query
          name: order
          schema: {type: string, enum: [newest, oldest]}
          description: Default newest for managers, oldest for others
        - {in: query, name: limit, schema: {type: integer, default: 100, minimum: 1, maximum: 500}}
        - in: query
          name: cursor
          schema: {type: string}
          description: The X-Next-Cursor of the previous page
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
                items: ReservationSchema
        422:
          $ref: '#/components/responses/Error'
    """
    filters = load_query(ReservationListQuerySchema())
    limit, text = filters.pop("limit"), filters.pop("cursor", None)
    order = filters.pop("order", None) or ("newest" if current_user.is_manager else "oldest")
    cursor = Cursor.decode(text) if text else None
    query = filtered_reservations(viewer=current_user, **filters)
    page = page_of(query, newest_first=order == "newest", cursor=cursor, limit=limit)
    response = jsonify(reservations_json(page.rows))
    if page.next_cursor is not None:
        token = page.next_cursor.encode()
        args = {**request.args.to_dict(), "cursor": token, "order": order, "limit": limit}
        url = url_for("api.list_reservations_api", _external=True, **args)
        response.headers["Link"] = f'<{url}>; rel="next"'
        response.headers["X-Next-Cursor"] = token
    return response


@bp.post("/reservations/<int:reservation_id>/cancel")
@login_required_api
def cancel_reservation_api(reservation_id: int):
    """Cancel a reservation.
    ---
    post:
      summary: Cancel a reservation
      description: Before the cancellation deadline for the booker; a manager may cancel
        later with `override_deadline`.
      security: [{bearer: []}]
      parameters:
        - {in: path, name: reservation_id, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: ReservationCancelSchema
      responses:
        200:
          content:
            application/json:
              schema: ReservationSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    reservation = get_reservation_for(reservation_id, current_user)
    schema = ReservationCancelSchema()
    data = load_body(schema) if request.get_data() else schema.load({})
    cancel_reservation(
        reservation=reservation,
        by=current_user,
        reason=data["reason"],
        override_deadline=data["override_deadline"],
        waive_charge=data["waive_charge"],
    )
    commit()
    return jsonify(reservation_json(reservation))


@bp.post("/reservations/<int:reservation_id>/attended")
@login_required_api
def mark_attended_api(reservation_id: int):
    """Record that the booker came (managers).
    ---
    post:
      summary: Mark a booking attended
      description: For a started booking nobody checked in for, or a no-show. A confirmed
        booking is checked in (and completed once its time is over); a no-show becomes
        completed. Its booked time is then billed like any attended booking.
      security: [{bearer: []}]
      parameters:
        - {in: path, name: reservation_id, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: ReservationSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
    """
    reservation = get_reservation_for(reservation_id, current_user)
    record_attendance(reservation=reservation, by=current_user)
    commit()
    return jsonify(reservation_json(reservation))
