"""API routes of the foundation: who am I, machines, the OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, url_for
from flask_login import current_user

from fablab.api import bp
from fablab.api.helpers import login_required_api
from fablab.api.schemas import MachineSchema, MeSchema
from fablab.api.spec import build_spec
from fablab.extensions import db
from fablab.machines.models import Machine, MachineStatus


def calendar_url_for(user) -> str | None:
    from flask import current_app

    if not user.calendar_token or "calendars.user_feed" not in current_app.view_functions:
        return None
    return url_for("calendars.user_feed", token=user.calendar_token, _external=True)


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
                "calendar_url": calendar_url_for(user),
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
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: MachineSchema
    """
    rows = db.session.scalars(
        sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
    ).all()
    return jsonify([machine_json(m) for m in rows])
