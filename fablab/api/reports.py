"""API route for the manager's reports: the dashboard's figures for a period, as JSON."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields

from fablab.api.blueprint import bp
from fablab.api.helpers import InvalidInput, load_query, manager_required_api
from fablab.reports.periods import PeriodError, custom_period
from fablab.reports.summary import summary

SEGMENTS = {
    "description": "Cents excl. VAT per segment: member, public, reduced, company (the "
    "buyer's segment stored on each invoice and credit note when it was issued)"
}


class ReportQuerySchema(Schema):
    start = fields.Date(required=True, metadata={"description": "First day (lab's local date)"})
    end = fields.Date(required=True, metadata={"description": "First day NOT included"})


class MachineUseSchema(Schema):
    machine_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    open_hours = fields.Float(metadata={"description": "Opening hours minus closures"})
    booked_hours = fields.Float(metadata={"description": "Confirmed, completed, no-show"})
    used_hours = fields.Float(metadata={"description": "Ended usage sessions"})
    used_seconds = fields.Integer(
        metadata={"description": "The same, exact in seconds (depreciation is computed from it)"}
    )
    booked_rate = fields.Float(allow_none=True)
    used_rate = fields.Float(allow_none=True)
    bookings = fields.Integer()
    no_shows = fields.Integer()
    no_show_rate = fields.Float(allow_none=True)
    sessions = fields.Integer()
    material_milli = fields.Integer(metadata={"description": "Thousandths of material_unit"})
    material_unit = fields.String()


class PaybackSchema(Schema):
    machine_id = fields.Integer()
    name = fields.String()
    purchase_date = fields.Date(allow_none=True)
    purchase_cost_cents = fields.Integer()
    grants_cents = fields.Integer(
        metadata={
            "description": "The machine's share of the grants received until the period's end "
            "(a grant for several machines is split by the shares recorded with it)"
        }
    )
    net_cost_cents = fields.Integer(
        metadata={"description": "Cost not paid by a grant: purchase cost minus grants_cents"}
    )
    revenue_since_purchase_cents = fields.Integer()
    paid_back_ratio = fields.Float(allow_none=True, metadata={"description": "Against the cost"})
    net_paid_back_ratio = fields.Float(
        allow_none=True, metadata={"description": "Against the cost not paid by a grant"}
    )
    projected_payback_date = fields.Date(allow_none=True)
    projected_net_payback_date = fields.Date(allow_none=True)


class PartnerFigureSchema(Schema):
    partner_id = fields.Integer()
    name = fields.String()
    kind = fields.String(
        metadata={
            "description": "school, university, chamber_of_commerce, cluster, company, "
            "association or other"
        }
    )
    town = fields.String()
    website = fields.String()
    events = fields.Integer(metadata={"description": "Events of the period it was linked to"})


class OutreachSchema(Schema):
    events = fields.Integer(metadata={"description": "Published events held in the period"})
    attendances = fields.Integer()
    people = fields.Integer()
    companies = fields.Integer()
    first_time_visitors = fields.Integer()
    trainings = fields.Integer()
    people_trained = fields.Integer()
    qualifications_granted = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Dict())
    by_audience = fields.Dict(keys=fields.String(), values=fields.Dict())
    events_held = fields.List(
        fields.Dict(),
        metadata={"description": "event_id, start, kind, title_fr, title_en, attendances"},
    )
    partner_organisations = fields.Integer(
        metadata={"description": "Partner organisations linked to the period's events"}
    )
    partners = fields.List(
        fields.Nested(PartnerFigureSchema),
        metadata={"description": "Those organisations, most events first"},
    )


class ReportSummarySchema(Schema):
    period = fields.Dict(metadata={"description": '{"start", "end"} (end excluded)'})
    revenue_excl_vat_cents = fields.Integer(
        metadata={"description": "Invoices minus credit notes issued in the period"}
    )
    cash_received_cents = fields.Integer(metadata={"description": "Payments received, incl. VAT"})
    revenue_by_segment = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata=SEGMENTS
    )
    revenue_by_product = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "By charge kind: machine_time, consumable, membership, pack, "
            "event, other; unallocated = partial credit notes"
        },
    )
    revenue_by_machine = fields.Dict(keys=fields.String(), values=fields.Integer())
    revenue_by_machine_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    revenue_by_month = fields.List(
        fields.Dict(), metadata={"description": "month, by_segment, revenue_cents, cash_cents"}
    )
    company_revenue_share = fields.Float(allow_none=True, metadata={"description": "0–1"})
    unpaid_cents = fields.Integer(metadata={"description": "Still due today, incl. VAT"})
    overdue_cents = fields.Integer(metadata={"description": "Due today and past due date"})
    unpaid_invoices = fields.Integer()
    prepaid_packs = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "Prepaid pack minutes today: sold_minutes, used_minutes, "
            "remaining_minutes, expired_minutes; sold_cents, deferred_cents (the value of the "
            "minutes still to use: deferred revenue), expired_cents (excl. VAT)"
        },
    )
    top_companies = fields.List(fields.Dict())
    customers = fields.Dict(
        metadata={
            "description": "active_people and new_people by category; companies "
            "{active, new, returning}; cohorts [{cohort, customers, retained[]}]"
        }
    )
    utilisation = fields.List(fields.Nested(MachineUseSchema))
    utilisation_by_kind = fields.List(fields.Dict())
    heat_map = fields.List(
        fields.List(fields.Float()), metadata={"description": "Booked hours [weekday][hour]"}
    )
    cost_recovery = fields.List(
        fields.Dict(),
        metadata={
            "description": "Per machine: revenue, depreciation, "
            "maintenance, costs, margin (cents), cost_recovery_ratio"
        },
    )
    costs_cents = fields.Integer(
        metadata={"description": "Machines' depreciation and maintenance + recorded costs"}
    )
    machine_costs_cents = fields.Integer()
    depreciation_cents = fields.Integer()
    maintenance_cents = fields.Integer()
    recorded_costs_cents = fields.Integer(metadata={"description": "Costs the manager recorded"})
    costs_by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    margin_cents = fields.Integer(metadata={"description": "Revenue minus costs"})
    grants_cents = fields.Integer(metadata={"description": "Grants received in the period"})
    cost_recovery_ratio = fields.Float(allow_none=True, metadata={"description": "Revenue / costs"})
    payback = fields.List(fields.Nested(PaybackSchema))
    outreach = fields.Nested(OutreachSchema)


@bp.get("/reports/summary")
@manager_required_api
def report_summary():
    """The dashboard's figures for a period (managers only).
    ---
    get:
      summary: Report summary
      security: [{bearer: []}]
      parameters:
      - in: query
        schema: ReportQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: ReportSummarySchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    query = load_query(ReportQuerySchema())
    try:
        period = custom_period(query["start"], query["end"])
    except PeriodError as error:
        raise InvalidInput(error.message, field=error.field) from None
    return jsonify(summary(period))
