"""API routes for the offer: plans and packs on sale, buying them, my packs, answering a quote.

A purchase answers with the Stripe Checkout URL to send the buyer to, or, when
the lab takes no card payments, with the invoice issued for it (to pay at the
desk or by transfer).
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from marshmallow import Schema, fields

from fablab.api.billing import InvoiceSummarySchema, invoice_json
from fablab.api.blueprint import bp
from fablab.api.helpers import load_body, login_required_api
from fablab.errors import Forbidden, NotFound
from fablab.extensions import db
from fablab.payments import offer_purchase, pack_products, packs, plans, quotes
from fablab.payments.offer_models import Membership, Pack, PackProduct, Plan, Quote
from fablab.transaction import commit


class PlanSchema(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "In the request's language"})
    price_excl_vat_cents = fields.Integer()
    validity_months = fields.Integer()
    category = fields.String(metadata={"enum": ["member", "reduced", "company"]})
    for_company = fields.Boolean()
    max_employees = fields.Integer(allow_none=True)


class PackProductSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    minutes = fields.Integer()
    price_excl_vat_cents = fields.Integer()
    validity_months = fields.Integer()
    machine_kinds = fields.List(fields.String())


class OfferSchema(Schema):
    plans = fields.List(fields.Nested(PlanSchema))
    packs = fields.List(fields.Nested(PackProductSchema))


class BuySchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "The plan or pack product id"})
    for_company = fields.Boolean(
        load_default=False, metadata={"description": "A company contact buys for the company"}
    )


class PurchaseSchema(Schema):
    kind = fields.String(metadata={"enum": ["membership", "pack"]})
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["pending", "active"]})
    checkout_url = fields.String(
        allow_none=True, metadata={"description": "Send the buyer there (Stripe configured)"}
    )
    invoice = fields.Nested(InvoiceSummarySchema, allow_none=True)


class PackSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    company_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["active", "expired"]})
    minutes_total = fields.Integer()
    minutes_remaining = fields.Integer()
    expired_minutes = fields.Integer()
    machine_kinds = fields.List(fields.String())
    expires_at = fields.DateTime()


class QuoteAnswerSchema(Schema):
    name = fields.String(required=True, metadata={"description": "Who signs for the company"})
    accept = fields.Boolean(load_default=True)
    reason = fields.String(load_default="")


class QuoteSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String(metadata={"enum": ["sent", "accepted", "declined", "invoiced"]})
    total_excl_vat_cents = fields.Integer()
    valid_until = fields.Date()
    answered_by = fields.String()
    answered_at = fields.DateTime(allow_none=True)


def _locale() -> str:
    return str(get_locale() or "fr")


def _plan_json(plan: Plan) -> dict:
    return {
        "id": plan.id,
        "name": plan.name(_locale()),
        "price_excl_vat_cents": plan.price_cents,
        "validity_months": plan.validity_months,
        "category": plan.category,
        "for_company": plan.for_company,
        "max_employees": plan.max_employees,
    }


def _product_json(product: PackProduct) -> dict:
    return {
        "id": product.id,
        "name": product.name(_locale()),
        "minutes": product.minutes,
        "price_excl_vat_cents": product.price_cents,
        "validity_months": product.validity_months,
        "machine_kinds": product.kinds,
    }


@bp.get("/offer")
def offer():
    """The memberships and prepaid packs on sale.
    ---
    get:
      summary: Plans and packs on sale
      security: []
      responses:
        200:
          content:
            application/json:
              schema: OfferSchema
    """
    return jsonify(
        {
            "plans": [_plan_json(p) for p in plans.list_plans(active_only=True)],
            "packs": [_product_json(p) for p in pack_products.list_products(active_only=True)],
        }
    )


def _urls() -> dict:
    return dict(
        success_url=url_for("payments.my_offer", paid=1, _external=True),
        cancel_url=url_for("payments.my_offer", _external=True),
    )


def _purchase_json(kind: str, purchase: offer_purchase.Purchase) -> dict:
    item: Membership | Pack = purchase.item
    return {
        "kind": kind,
        "id": item.id,
        "status": item.status,
        "checkout_url": purchase.checkout_url,
        # invoice_json already dumps with InvoiceSummarySchema (the documented shape).
        "invoice": invoice_json(purchase.invoice) if purchase.invoice else None,
    }


@bp.post("/memberships")
@login_required_api
def buy_membership():
    """Buy a membership for myself, or (company plan) for my company.
    ---
    post:
      summary: Buy a membership
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: BuySchema
      responses:
        201:
          content:
            application/json:
              schema: PurchaseSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    body = load_body(BuySchema())
    plan = db.session.get(Plan, body["id"])
    if plan is None or not plan.active:
        raise NotFound()
    purchase = offer_purchase.buy_membership(
        plan=plan, by=current_user, for_company=body["for_company"], **_urls()
    )
    commit()
    return jsonify(_purchase_json("membership", purchase)), 201


@bp.post("/packs")
@login_required_api
def buy_pack():
    """Buy a prepaid hour pack for myself, or for my company (a company contact).
    ---
    post:
      summary: Buy a prepaid pack
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: BuySchema
      responses:
        201:
          content:
            application/json:
              schema: PurchaseSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    body = load_body(BuySchema())
    product = db.session.get(PackProduct, body["id"])
    if product is None or not product.active:
        raise NotFound()
    purchase = offer_purchase.buy_pack(
        product=product, by=current_user, for_company=body["for_company"], **_urls()
    )
    commit()
    return jsonify(_purchase_json("pack", purchase)), 201


@bp.get("/packs")
@login_required_api
def my_packs():
    """My prepaid packs and my company's, with the minutes left.
    ---
    get:
      summary: My prepaid packs
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: PackSchema
        401:
          $ref: '#/components/responses/Error'
    """
    rows = packs.packs_of(user=current_user)
    if current_user.company is not None:
        rows += packs.packs_of(company=current_user.company)
    return jsonify(
        [
            PackSchema().dump(
                {
                    "id": p.id,
                    "name": p.product.name(_locale()),
                    "company_id": p.company_id,
                    "status": p.status,
                    "minutes_total": p.minutes_total,
                    "minutes_remaining": p.minutes_remaining,
                    "expired_minutes": p.expired_minutes,
                    "machine_kinds": p.kinds,
                    "expires_at": p.expires_at,
                }
            )
            for p in rows
        ]
    )


@bp.post("/quotes/<int:quote_id>/answer")
@login_required_api
def answer_quote(quote_id: int):
    """A contact of the quote's company accepts (or declines) it; name, time and IP are kept.
    ---
    post:
      summary: Accept or decline a quote
      security: [{bearer: []}]
      parameters:
        - {in: path, name: quote_id, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: QuoteAnswerSchema
      responses:
        200:
          content:
            application/json:
              schema: QuoteSchema
        403:
          $ref: '#/components/responses/Error'
        404:
          $ref: '#/components/responses/Error'
        409:
          $ref: '#/components/responses/Error'
    """

    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.sent_at is None:
        raise NotFound()
    user = current_user
    if not (user.is_company_contact and quote.company_id and user.company_id == quote.company_id):
        raise Forbidden()
    body = load_body(QuoteAnswerSchema())
    quotes.answer_quote(
        quote=quote,
        accept=body["accept"],
        name=body["name"],
        reason=body["reason"],
        ip=request.remote_addr or "",
    )
    commit()
    return jsonify(
        QuoteSchema().dump(
            {
                "id": quote.id,
                "number": quote.number,
                "status": quote.status,
                "total_excl_vat_cents": quote.total_excl_cents,
                "valid_until": quote.valid_until,
                "answered_by": quote.answered_by_name,
                "answered_at": quote.answered_at,
            }
        )
    )
