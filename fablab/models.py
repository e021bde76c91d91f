"""Imports every model so that Alembic and the relationships see them all."""

from fablab.accounts.models import ApiToken, Company, CompanyInvitation, User
from fablab.api.models import IdempotencyKey  # noqa: F401
from fablab.billing import models as billing_models  # noqa: F401
from fablab.bookings.models import Reservation
from fablab.bookings.waitlist_models import WaitlistEntry  # noqa: F401
from fablab.calendars import import_models  # noqa: F401
from fablab.events.models import Event, EventMachine, Registration  # noqa: F401
from fablab.heartbeat import JobRun  # noqa: F401
from fablab.machines.models import (
    Closure,
    LabSettings,
    Machine,
    OpeningHours,
    Qualification,
    UserQualification,
)
from fablab.network import models as network_models  # noqa: F401
from fablab.outbox import models as outbox_models  # noqa: F401
from fablab.payments import models as payments_models  # noqa: F401
from fablab.payments import offer_models  # noqa: F401
from fablab.public import models as public_models  # noqa: F401
from fablab.reports import models as report_models  # noqa: F401
from fablab.usage import models as usage_models  # noqa: F401

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
