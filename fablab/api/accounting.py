"""API routes for the lab's accounting (managers): the FEC, the VAT due, the closings."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from marshmallow import Schema, fields, validate

from fablab.api.blueprint import bp
from fablab.api.helpers import load_query, manager_required_api
from fablab.billing.accounting.closings import closings
from fablab.billing.accounting.fec import fec_filename, fec_text, fiscal_year
from fablab.billing.accounting.vat_report import vat_rows


class FecQuerySchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2099))


class PeriodQuerySchema(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class VatRowSchema(Schema):
    vat_rate_bp = fields.Integer(metadata={"description": "2000 = 20 %"})
    base_cents = fields.Integer()
    vat_cents = fields.Integer()
    ca3_line = fields.String(metadata={"description": "Line of the CA3 return, e.g. 08"})


class ClosingSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["month", "year"]})
    period_start = fields.Date()
    period_end = fields.Date()
    closed_at = fields.DateTime()
    archive_sha256 = fields.String()
    chain_head_hash = fields.String()
    archive_url = fields.String()


@bp.get("/accounting/fec")
@manager_required_api
def accounting_fec():
    """The FEC (art. A47 A-1 du LPF) of a fiscal year, tab-separated text.
    ---
    get:
      summary: FEC of a fiscal year (managers)
      security: [{bearer: []}]
      parameters:
      - in: query
        schema: FecQuerySchema
      responses:
        200:
          content:
            text/plain: {}
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    start, end = fiscal_year(load_query(FecQuerySchema())["year"])
    return Response(
        fec_text(start, end),
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{fec_filename(end)}"'},
    )


@bp.get("/accounting/vat")
@manager_required_api
def accounting_vat():
    """VAT due per rate between two dates (goods and débits on the invoice, services when paid).
    ---
    get:
      summary: VAT due per rate (managers)
      security: [{bearer: []}]
      parameters:
      - in: query
        schema: PeriodQuerySchema
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: VatRowSchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    period = load_query(PeriodQuerySchema())
    rows = vat_rows(period["start"], period["end"], by_month=False)
    schema = VatRowSchema()
    return jsonify([schema.dump(row) | {"ca3_line": row.ca3_line} for row in rows])


@bp.get("/accounting/closings")
@manager_required_api
def accounting_closings():
    """Closed periods with their archive checksums.
    ---
    get:
      summary: Closed periods (managers)
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: ClosingSchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
    """
    schema = ClosingSchema()
    return jsonify(
        [
            schema.dump(closing)
            | {
                "archive_url": url_for(
                    "billing.accounting_archive", closing_id=closing.id, _external=True
                )
            }
            for closing in closings()
        ]
    )
