"""API route for finding people (the managers' person pickers type ahead over it)."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields, validate

from fablab.api.blueprint import bp
from fablab.api.helpers import load_query, manager_required_api
from fablab.bookings.listing import people


class UserSearchQuerySchema(Schema):
    q = fields.String(
        required=True,
        validate=validate.Length(min=2, max=100),
        metadata={"description": "At least two characters of a name or an e-mail"},
    )
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    include_inactive = fields.Boolean(load_default=False)


class UserSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    active = fields.Boolean()
    company = fields.String(allow_none=True)


@bp.get("/users")
@manager_required_api
def search_users():
    """People whose name or e-mail contains the text.
    ---
    get:
      summary: Search people (managers)
      description: Case-insensitive search in names and e-mails, sorted by name; active
        accounts only unless `include_inactive`. Used by the person pickers of the manager
        pages. 403 for anyone but a manager.
      security: [{bearer: []}]
      parameters:
        - {in: query, name: q, required: true, schema: {type: string, minLength: 2, maxLength: 100}}
        - {in: query, name: limit, schema: {type: integer, default: 10, minimum: 1, maximum: 50}}
        - {in: query, name: include_inactive, schema: {type: boolean, default: false}}
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: UserSummarySchema
        401:
          $ref: '#/components/responses/Error'
        403:
          $ref: '#/components/responses/Error'
        422:
          $ref: '#/components/responses/Error'
    """
    query = load_query(UserSearchQuerySchema())
    found = people(query["q"], limit=query["limit"], active_only=not query["include_inactive"])
    schema = UserSummarySchema(many=True)
    return jsonify(
        schema.dump(
            [
                {
                    "id": user.id,
                    "name": user.display_name,
                    "email": user.email,
                    "role": user.role,
                    "active": user.active,
                    "company": user.company.legal_name if user.company else None,
                }
                for user in found
            ]
        )
    )
