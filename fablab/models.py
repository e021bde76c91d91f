"""Imports every model so that Alembic and the relationships see them all."""

from fablab.accounts.models import ApiToken, Company, CompanyInvitation, User
from fablab.bookings.models import Reservation
from fablab.machines.models import (
    Closure,
    LabSettings,
    Machine,
    OpeningHours,
    Qualification,
    UserQualification,
)

__all__ = [
    "ApiToken",
    "Closure",
    "Company",
    "CompanyInvitation",
    "LabSettings",
    "Machine",
    "OpeningHours",
    "Qualification",
    "Reservation",
    "User",
    "UserQualification",
]
