"""Domain errors of events and registrations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError


class EventError(DomainError):
    """Event values that do not make sense (end before start, capacity 0…)."""

    status = 422
    code = "invalid"


class MachineBusy(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("A machine of this event is already booked at that time.")


class RegistrationClosed(DomainError):
    status = 409
    code = "registration_closed"

    def default_message(self):
        return _l("Registration to this event is closed.")


class AlreadyRegistered(DomainError):
    status = 409
    code = "already_registered"

    def default_message(self):
        return _l("This e-mail address is already registered to this event.")


class AudienceRestricted(DomainError):
    status = 403
    code = "audience_restricted"

    def default_message(self):
        return _l("This event is not open to you.")


class RegistrationStateError(DomainError):
    status = 409
    code = "invalid_state"

    def default_message(self):
        return _l("This registration cannot be changed any more.")
