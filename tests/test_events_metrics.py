# ruff: noqa: F811  (the make_event fixture comes from tests.test_events_registrations)
"""Funder metrics: people attending, distinct companies, first-time visitors."""

from __future__ import annotations

from datetime import timedelta

from fablab.events.checkin import record_attendance
from fablab.events.metrics import event_metrics
from fablab.events.registrations import register
from fablab.events.services import cancel_event
from fablab.transaction import commit
from tests.test_events_registrations import make_event  # noqa: F401  (fixture)


def attend(event, manager, **person):
    registration = register(event=event, **person)
    registration.status = "confirmed"  # as if the e-mailed link was followed
    record_attendance(registration=registration, by=manager, now=event.start_at)
    return registration


def test_metrics_count_people_companies_and_first_visits(
    app, make_event, make_user, make_company, manager
):
    acme = make_company(legal_name="Acme")
    employee = make_user(company=acme)
    day = make_event()
    workshop = make_event(kind="company_workshop", audience="companies")
    with app.test_request_context():
        attend(day, manager, email="a@example.org", name="A", first_visit=True)
        attend(day, manager, email="b@example.org", name="B", company_name=" Bolt  SAS ")
        register(event=day, email="c@example.org", name="No show")
        attend(workshop, manager, user=employee, first_visit=True)
        attend(workshop, manager, email="d@example.org", name="D", company_name="bolt sas")
        cancelled = make_event()
        attend(cancelled, manager, email="e@example.org", name="E")
        cancel_event(event=cancelled, by=manager)
        commit()

    metrics = event_metrics(day.start_at - timedelta(days=1), day.start_at + timedelta(days=1))
    assert metrics["events"] == 2
    assert metrics["attendances"] == 4 and metrics["people"] == 4
    assert metrics["companies"] == 2  # Acme (by account) and Bolt SAS (typed twice)
    assert metrics["first_time_visitors"] == 2
    assert metrics["by_kind"]["company_workshop"]["attendances"] == 2
    assert metrics["by_audience"]["public"]["companies"] == 1
    assert metrics["by_kind"]["training"]["events"] == 0


def test_metrics_of_an_empty_period(db):
    from fablab.timeutil import utcnow

    metrics = event_metrics(utcnow(), utcnow() + timedelta(days=1))
    assert metrics["people"] == 0 and metrics["by_kind"]["open_lab"]["events"] == 0
