"""Marshmallow schemas: they validate input and describe the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class Instant(fields.AwareDateTime):
    """An ISO 8601 date-time with an offset, between 2000 and 2100, returned in UTC.

    A naive date-time is refused (422): we never guess a zone.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= result < LATEST:
            raise ValidationError("Dates must lie between 2000 and 2100.")
        return result.astimezone(UTC)


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "conflict"})
    message = fields.String(required=True)
    field = fields.String()
    fields_ = fields.Dict(
        data_key="fields",
        metadata={"description": "Invalid input: the messages of each field, by field name"},
    )


class CompanyRefSchema(Schema):
    id = fields.Integer()
    legal_name = fields.String()


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.Email()
    name = fields.String()
    role = fields.String(metadata={"enum": ["member", "manager", "admin"]})
    category = fields.String(metadata={"enum": ["member", "public", "reduced", "company"]})
    company = fields.Nested(CompanyRefSchema, allow_none=True)
    calendar_url = fields.String(
        allow_none=True,
        metadata={
            "description": "Always null: the feed link's secret is stored hashed, so its URL"
            " is shown only when made (POST /me/calendar-token)"
        },
    )
    calendar_token_prefix = fields.String(
        allow_none=True,
        metadata={"description": "The first characters of the current feed link's secret"},
    )


MACHINE_KINDS = ["3d_printer", "laser_cutter", "cnc_mill", "vinyl_cutter", "electronics", "other"]


class MachineQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(
        validate=validate.OneOf(MACHINE_KINDS),
        metadata={"description": "Only machines of this kind"},
    )


class MachineSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": MACHINE_KINDS})
    status = fields.String(metadata={"enum": ["available", "maintenance", "retired"]})
    description = fields.String()
    location = fields.String()
    billing_increment_minutes = fields.Integer()
    hourly_rates_cents = fields.Dict(keys=fields.String(), values=fields.Integer())
    consumable_unit = fields.String()
    consumable_rate_cents = fields.Integer()
    required_qualification = fields.String(allow_none=True)
    unattended_allowed = fields.Boolean()
    photo_url = fields.String(allow_none=True)
    url = fields.String(metadata={"description": "The public page of the machine"})


class OpeningIntervalSchema(Schema):
    weekday = fields.Integer(metadata={"description": "0 = Monday … 6 = Sunday"})
    opens_at = fields.String(metadata={"example": "10:00", "description": "Lab local time"})
    closes_at = fields.String(metadata={"example": "19:00", "description": "Lab local time"})


class ClosureSchema(Schema):
    title = fields.String()
    machine_id = fields.Integer(allow_none=True, metadata={"description": "null: the whole lab"})
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    repeats_yearly = fields.Boolean()


class LabSchema(Schema):
    name = fields.String()
    timezone = fields.String(metadata={"example": "Europe/Paris"})
    vat_rate_bp = fields.Integer(metadata={"description": "VAT in basis points: 2000 = 20 %"})
    email = fields.String()
    phone = fields.String()
    address = fields.String()
    opening_hours = fields.List(fields.Nested(OpeningIntervalSchema))
    closures = fields.List(
        fields.Nested(ClosureSchema),
        metadata={"description": "Closures not over yet, and the yearly ones"},
    )
