"""API routes of the foundation: who am I, machines, the lab, the OpenAPI document."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.api.blueprint import bp
from fablab.api.helpers import load_query, login_required_api
from fablab.api.schemas import LabSchema, MachineQuerySchema, MachineSchema, MeSchema
from fablab.api.spec import build_spec
from fablab.errors import NotFound
from fablab.extensions import db
from fablab.machines.lab import opening_hours_by_weekday
from fablab.machines.models import Machine, MachineStatus
from fablab.machines.services import list_machines, upcoming_closures
from fablab.machines.settings import get_settings
from fablab.timeutil import utcnow
from fablab.urls import external_url


def calendar_url_for(token: str) -> str:
    """The feed URL of a calendar token just made (only its hash is kept)."""
    return external_url("calendars.user_feed", token=token)


def machine_json(machine: Machine) -> dict:
    return MachineSchema().dump(
        {
            "id": machine.id,
            "name": machine.name,
            "kind": machine.kind,
            "status": machine.status,
            "description": machine.description,
            "location": machine.location,
            "billing_increment_minutes": machine.billing_increment_minutes,
            "hourly_rates_cents": {
                "member": machine.rate_member_cents,
                "public": machine.rate_public_cents,
                "reduced": machine.rate_reduced_cents,
                "company": machine.rate_company_cents,
            },
            "consumable_unit": machine.consumable_unit,
            "consumable_rate_cents": machine.consumable_rate_cents,
            "required_qualification": (
                machine.required_qualification.name if machine.required_qualification else None
            ),
            "unattended_allowed": machine.unattended_allowed,
            "photo_url": (
                url_for("machines.photo", filename=machine.photo_filename, _external=True)
                if machine.photo_filename
                else None
            ),
            "url": url_for("machines.detail", machine_id=machine.id, _external=True),
        }
    )


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API.
    ---
    get:
      summary: OpenAPI 3 document
      security: []
      responses:
        200:
          description: The document
    """
    return jsonify(build_spec())


@bp.get("/me")
@login_required_api
def me():
    """The caller's account.
    ---
    get:
      summary: Who am I
      security: [{bearer: []}]
      responses:
        200:
          description: The caller's account
          content:
            application/json:
              schema: MeSchema
        401:
          $ref: '#/components/responses/Error'
    """
    user = current_user
    company = (
        {"id": user.company.id, "legal_name": user.company.legal_name} if user.company else None
    )
    return jsonify(
        MeSchema().dump(
            {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role,
                "category": user.category,
                "company": company,
                "calendar_url": None,
                "calendar_token_prefix": user.calendar_token_prefix,
            }
        )
    )


@bp.get("/machines")
def machines():
    """Machines of the lab (retired ones are left out).
    ---
    get:
      summary: List machines
      security: []
      parameters:
      - in: query
        schema: MachineQuerySchema
      responses:
        200:
          description: The machines, by name
          content:
            application/json:
              schema:
                type: array
                items: MachineSchema
        422:
          $ref: '#/components/responses/Error'
    """
    query = load_query(MachineQuerySchema())
    rows = list_machines(kind=query.get("kind"))
    return jsonify([machine_json(m) for m in rows])


@bp.get("/machines/<int:machine_id>")
def machine(machine_id: int):
    """One machine, with its prices and rules.
    ---
    get:
      summary: One machine
      security: []
      parameters:
      - in: path
        name: machine_id
        required: true
        schema: {type: integer}
      responses:
        200:
          description: The machine
          content:
            application/json:
              schema: MachineSchema
        404:
          $ref: '#/components/responses/Error'
    """
    found = db.session.get(Machine, machine_id)
    if found is None or found.status == MachineStatus.RETIRED:
        raise NotFound(_("No such machine."))
    return jsonify(machine_json(found))


@bp.get("/lab")
def lab():
    """The lab: its name, time zone, VAT rate, opening hours and coming closures.
    ---
    get:
      summary: The lab
      security: []
      responses:
        200:
          description: The lab's public settings
          content:
            application/json:
              schema: LabSchema
    """
    settings = get_settings()
    week = opening_hours_by_weekday()
    hours = [
        {"weekday": day, "opens_at": f"{row.opens_at:%H:%M}", "closes_at": f"{row.closes_at:%H:%M}"}
        for day, rows in week.items()
        for row in rows
    ]
    closures = [
        {
            "title": c.title,
            "machine_id": c.machine_id,
            "start": c.start_at,
            "end": c.end_at,
            "repeats_yearly": c.repeats_yearly,
        }
        for c in upcoming_closures(now=utcnow())
    ]
    return jsonify(
        LabSchema().dump(
            {
                "name": settings.name,
                "timezone": settings.timezone,
                "vat_rate_bp": settings.vat_rate_bp,
                "email": settings.email,
                "phone": settings.phone,
                "address": settings.address,
                "opening_hours": hours,
                "closures": closures,
            }
        )
    )
