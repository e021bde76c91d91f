"""API routes for paying: an invoice, a machine slot, an event seat; a Checkout's status.

Each purchase answers with the Stripe Checkout URL to send the payer to (the
slot or seat is held until the payment is confirmed by Stripe's webhook), or,
when the lab takes no card payments, with the invoice to pay at the desk or by
bank transfer.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate

from fablab.api.billing import InvoiceSummarySchema, invoice_json
from fablab.api.blueprint import bp
from fablab.api.helpers import (
    InvalidInput,
    load_body,
    login_required_api,
    manager_required_api,
)
from fablab.api.reservations import ReservationSchema, reservation_json
from fablab.api.schemas import Instant
from fablab.billing.models import Invoice
from fablab.errors import NotFound
from fablab.events.models import Event
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.payments import invoice_payment, seats, slots
from fablab.payments.checkout import stripe_enabled
from fablab.payments.models import CheckoutRecord, CheckoutStatus
from fablab.payments.records import lock_record
from fablab.payments.refunds import refund_checkout
from fablab.transaction import commit


class CheckoutSchema(Schema):
    id = fields.Integer()
    purpose = fields.String(metadata={"example": "slot"})
    reference_id = fields.Integer()
    amount_cents = fields.Integer(metadata={"description": "VAT included"})
    currency = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in CheckoutStatus]})
    checkout_url = fields.String(allow_none=True)
    refunded_cents = fields.Integer()
    invoice_id = fields.Integer(allow_none=True)
    note = fields.String()


class PaymentAnswerSchema(Schema):
    checkout_url = fields.String(
        allow_none=True, metadata={"description": "Send the payer here (null without Stripe)"}
    )
    checkout = fields.Nested(CheckoutSchema, allow_none=True)
    invoice = fields.Nested(
        InvoiceSummarySchema, allow_none=True, metadata={"description": "The invoice to pay"}
    )


class SlotPurchaseSchema(Schema):
    machine_id = fields.Integer(required=True)
    start = Instant(required=True)
    end = Instant(required=True)
    on_company_account = fields.Boolean(load_default=False)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SlotAnswerSchema(PaymentAnswerSchema):
    reservation = fields.Nested(ReservationSchema)


class SeatPurchaseSchema(Schema):
    event_id = fields.Integer(required=True)
    first_visit = fields.Boolean(load_default=False)


class SeatAnswerSchema(PaymentAnswerSchema):
    registration_id = fields.Integer()
    registration_status = fields.String()


class RefundRequestSchema(Schema):
    amount_cents = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "VAT included; omitted: all that is left to refund"},
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RefundAnswerSchema(Schema):
    refund_id = fields.Integer()
    amount_cents = fields.Integer(metadata={"description": "VAT included"})
    credit_note_id = fields.Integer(
        allow_none=True, metadata={"description": "The credit note issued for it, if invoiced"}
    )
    checkout = fields.Nested(CheckoutSchema)


def checkout_json(record: CheckoutRecord | None) -> dict | None:
    if record is None:
        return None
    return CheckoutSchema().dump(
        {
            "id": record.id,
            "purpose": record.purpose,
            "reference_id": record.reference_id,
            "amount_cents": record.amount_cents,
            "currency": record.currency,
            "status": record.status,
            "checkout_url": record.url if record.status == CheckoutStatus.PENDING else None,
            "refunded_cents": record.refunded_cents,
            "invoice_id": record.invoice_id,
            "note": record.note,
        }
    )


def _answer(record: CheckoutRecord | None, invoice: Invoice | None) -> dict:
    """The documented PaymentAnswerSchema shape (each part already dumped by its schema)."""
    return {
        "checkout_url": record.url if record else None,
        "checkout": checkout_json(record),
        "invoice": invoice_json(invoice) if invoice is not None else None,
    }


def _return_urls() -> dict:
    back = url_for("payments.checkout_return", _external=True)
    return {
        "success_url": back + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": back + "?result=cancel",
    }


@bp.post("/invoices/<int:invoice_id>/pay")
@login_required_api
def pay_invoice_api(invoice_id: int):
    """Pay what is still due on an invoice.
    ---
    post:
      summary: Pay an invoice
      description: With Stripe, 201 with the Checkout URL; without, 200 with the invoice
        (pay at the desk or by bank transfer, the IBAN is on the invoice).
      security: [{bearer: []}]
      parameters:
        - {in: path, name: invoice_id, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: PaymentAnswerSchema
        201:
          content:
            application/json:
              schema: PaymentAnswerSchema
        404:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or not invoice_payment.can_pay(current_user, invoice):
        raise NotFound()
    if not stripe_enabled():
        return jsonify(_answer(None, invoice)), 200
    record = invoice_payment.pay_invoice_by_card(
        invoice=invoice, user=current_user, **_return_urls()
    )
    commit()
    return jsonify(_answer(record, invoice)), 201


@bp.post("/payments/slots")
@login_required_api
def pay_slot_api():
    """Book a machine slot and pay it now.
    ---
    post:
      summary: Pay a slot
      description: With Stripe the slot is held (status `held`, `hold_expires_at`) and the
        answer carries the Checkout URL; the Stripe webhook confirms it. Without Stripe it
        is booked and invoiced at once. 409 when the slot is taken, 422 when a rule forbids it.
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: SlotPurchaseSchema
      responses:
        201:
          content:
            application/json:
              schema: SlotAnswerSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    data = load_body(SlotPurchaseSchema())
    machine = db.session.get(Machine, data["machine_id"])
    if machine is None:
        raise NotFound()
    company = current_user.company if data["on_company_account"] else None
    if data["on_company_account"] and company is None:
        raise InvalidInput(field="on_company_account")
    purchase = slots.buy_slot(
        machine=machine,
        user=current_user,
        start=data["start"],
        end=data["end"],
        company=company,
        note=data["note"],
        **_return_urls(),
    )
    commit()
    body = {**_answer(purchase.record, purchase.invoice)}
    body["reservation"] = reservation_json(purchase.reservation)
    return jsonify(body), 201


@bp.post("/payments/registrations")
@login_required_api
def pay_registration_api():
    """Register to an event and pay the seat now.
    ---
    post:
      summary: Pay an event registration
      description: A paid seat is held while paying by card (Checkout URL); without Stripe the
        seat is invoiced at once. A free or waitlisted registration has nothing to pay.
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: SeatPurchaseSchema
      responses:
        201:
          content:
            application/json:
              schema: SeatAnswerSchema
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    data = load_body(SeatPurchaseSchema())
    event = db.session.get(Event, data["event_id"])
    if event is None or not event.is_published:
        raise NotFound()
    registration, record, invoice = seats.buy_seat(
        event=event, user=current_user, first_visit=data["first_visit"], **_return_urls()
    )
    commit()
    body = {**_answer(record, invoice)}
    body.update(registration_id=registration.id, registration_status=registration.status)
    return jsonify(body), 201


@bp.get("/payments/<int:checkout_id>")
@login_required_api
def checkout_status_api(checkout_id: int):
    """One of my card payments: its status (pending, paid, expired, refunded, failed).
    ---
    get:
      summary: A card payment's status
      security: [{bearer: []}]
      parameters:
        - {in: path, name: checkout_id, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: CheckoutSchema
        404:
          $ref: '#/components/responses/Error'
    """
    record = db.session.get(CheckoutRecord, checkout_id)
    if record is None or not (record.user_id == current_user.id or current_user.is_manager):
        raise NotFound()
    return jsonify(checkout_json(record))


@bp.post("/payments/<int:checkout_id>/refund")
@manager_required_api
def refund_checkout_api(checkout_id: int):
    """Refund a card payment, whole or in part (managers), as the payment's page does.
    ---
    post:
      summary: Refund a card payment
      description: The amount goes back to the card through Stripe, and a credit note is issued
        when the payment is on an invoice. Send an Idempotency-Key to retry safely.
      security: [{bearer: []}]
      parameters:
        - {in: path, name: checkout_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: RefundRequestSchema
      responses:
        200:
          content:
            application/json:
              schema: RefundAnswerSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    body = load_body(RefundRequestSchema())
    record = lock_record(checkout_id)
    if record is None:
        raise NotFound()
    refund = refund_checkout(
        record=record, amount_cents=body["amount_cents"], reason=body["reason"], by=current_user
    )
    commit()
    answer = {
        "refund_id": refund.id,
        "amount_cents": refund.amount_cents,
        "credit_note_id": refund.credit_note_id,
        "checkout": checkout_json(record),
    }
    return jsonify(RefundAnswerSchema().dump(answer))
