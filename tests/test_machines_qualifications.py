"""Qualifications (granted, expiring, revoked) and closures, through services and manager pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from fablab.machines.models import Closure, Qualification, UserQualification
from fablab.machines.services import (
    QualificationError,
    add_months,
    grant_qualification,
    has_valid_qualification,
    revoke_qualification,
)
from fablab.timeutil import utcnow


@pytest.fixture
def laser(db):
    qualification = Qualification(name="Laser safety", validity_months=24)
    db.session.add(qualification)
    db.session.commit()
    return qualification


# --- services ---------------------------------------------------------------------------------


def test_nobody_is_qualified_before_a_grant(member, laser):
    assert not has_valid_qualification(user=member, qualification=laser, at=utcnow())


def test_no_required_qualification_means_qualified(member):
    assert has_valid_qualification(user=member, qualification=None, at=utcnow())


def test_a_grant_lasts_the_qualifications_validity(member, manager, laser, db):
    held = grant_qualification(user=member, qualification=laser, granted_by=manager)
    db.session.commit()

    assert held.source == "manager" and held.granted_by_id == manager.id
    assert held.expires_at == add_months(held.granted_at, 24)
    assert has_valid_qualification(user=member, qualification=laser, at=utcnow())
    later = held.expires_at + timedelta(seconds=1)
    assert not has_valid_qualification(user=member, qualification=laser, at=later)


def test_a_grant_with_an_explicit_expiry(member, laser, db):
    expiry = utcnow() + timedelta(days=10)

    grant_qualification(user=member, qualification=laser, source="training", expires_at=expiry)
    db.session.commit()

    assert has_valid_qualification(user=member, qualification=laser, at=expiry - timedelta(1))
    assert not has_valid_qualification(user=member, qualification=laser, at=expiry)


def test_a_second_grant_renews_instead_of_duplicating(member, laser, db):
    grant_qualification(user=member, qualification=laser, expires_at=utcnow() + timedelta(1))
    renewed = grant_qualification(user=member, qualification=laser, source="training")
    db.session.commit()

    count = db.session.scalar(sa.select(sa.func.count(UserQualification.id)))
    assert count == 1
    assert renewed.source == "training"
    assert renewed.expires_at > utcnow() + timedelta(days=700)


def test_a_qualification_without_validity_never_expires(member, db):
    basics = Qualification(name="Workshop basics")
    db.session.add(basics)
    held = grant_qualification(user=member, qualification=basics)

    assert held.expires_at is None
    far = datetime(2099, 1, 1, tzinfo=UTC)
    assert has_valid_qualification(user=member, qualification=basics, at=far)


def test_an_expiry_in_the_past_is_refused(app, member, laser, db):
    with app.test_request_context(), pytest.raises(QualificationError):
        grant_qualification(
            user=member, qualification=laser, expires_at=utcnow() - timedelta(days=1)
        )


def test_revoking_takes_the_qualification_away(member, laser, db):
    grant_qualification(user=member, qualification=laser)

    assert revoke_qualification(user=member, qualification=laser) is True
    assert not has_valid_qualification(user=member, qualification=laser, at=utcnow())
    assert revoke_qualification(user=member, qualification=laser) is False


def test_add_months_clamps_to_the_end_of_the_month():
    moment = datetime(2025, 1, 31, 12, tzinfo=UTC)

    assert add_months(moment, 1) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert add_months(moment, 13) == datetime(2026, 2, 28, 12, tzinfo=UTC)


# --- manager pages ----------------------------------------------------------------------------


def test_a_manager_creates_a_qualification(login_as, manager, db):
    response = login_as(manager).post(
        "/qualifications/new",
        data={"name": "CNC safety", "description": "Before milling", "validity_months": "12"},
    )

    assert response.status_code == 302
    created = db.session.scalar(sa.select(Qualification))
    assert (created.name, created.validity_months) == ("CNC safety", 12)


def test_a_duplicate_qualification_name_is_refused(login_as, manager, laser, db):
    response = login_as(manager).post(
        "/qualifications/new", data={"name": "Laser safety"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert "already has this name" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Qualification.id))) == 1


def test_a_manager_grants_and_revokes_on_the_page(login_as, manager, member, laser, db):
    client = login_as(manager)

    response = client.post(
        f"/qualifications/{laser.id}",
        data={"email": "MEMBER@example.org", "expires_on": "2099-12-31"},
    )

    assert response.status_code == 302
    page = client.get(f"/qualifications/{laser.id}").get_data(as_text=True)
    assert "Alex Member" in page
    held = db.session.scalar(sa.select(UserQualification))
    assert held.granted_by_id == manager.id
    # Valid through the whole of 31 December in the lab's zone (Paris: UTC+1 in winter).
    assert held.expires_at == datetime(2099, 12, 31, 23, tzinfo=UTC)

    client.post(f"/qualifications/{laser.id}/revoke/{member.id}")

    assert db.session.scalar(sa.select(sa.func.count(UserQualification.id))) == 0


def test_granting_to_an_unknown_email_says_so(login_as, manager, laser, db):
    response = login_as(manager).post(
        f"/qualifications/{laser.id}",
        data={"email": "nobody@example.org"},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert "No account uses this e-mail address." in response.get_data(as_text=True)


def test_a_member_cannot_grant_themselves(login_as, member, laser, db):
    response = login_as(member).post(
        f"/qualifications/{laser.id}", data={"email": "member@example.org"}
    )

    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(UserQualification.id))) == 0


# --- closures ---------------------------------------------------------------------------------


def test_a_manager_closes_the_lab_in_local_time(login_as, manager, lab_settings, db):
    response = login_as(manager).post(
        "/closures",
        data={
            "title": "Summer break",
            "machine_id": "0",
            "start": "2030-08-01T00:00",
            "end": "2030-08-16T00:00",
            "repeats_yearly": "y",
        },
    )

    assert response.status_code == 302
    closure = db.session.scalar(sa.select(Closure))
    assert closure.machine is None and closure.repeats_yearly
    # Paris is UTC+2 in summer.
    assert closure.start_at == datetime(2030, 7, 31, 22, tzinfo=UTC)
    assert closure.end_at == datetime(2030, 8, 15, 22, tzinfo=UTC)


def test_a_closure_of_one_machine_can_be_removed(login_as, manager, make_machine, db):
    machine = make_machine()
    client = login_as(manager)
    client.post(
        "/closures",
        data={
            "title": "Maintenance",
            "machine_id": str(machine.id),
            "start": "2030-03-04T09:00",
            "end": "2030-03-04T12:00",
        },
    )
    closure = db.session.scalar(sa.select(Closure))
    assert closure.machine == machine

    client.post(f"/closures/{closure.id}/delete")

    assert db.session.scalar(sa.select(sa.func.count(Closure.id))) == 0


def test_a_closure_ending_before_it_starts_is_refused(login_as, manager, db):
    response = login_as(manager).post(
        "/closures",
        data={
            "title": "Oops",
            "machine_id": "0",
            "start": "2030-03-04T12:00",
            "end": "2030-03-04T09:00",
        },
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert "The end must come after the start." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Closure.id))) == 0


def test_concurrent_grants_of_one_qualification_leave_one_holding(app, member, laser, db):
    import threading

    member_id, laser_id = member.id, laser.id
    db.session.commit()  # on SQLite an open transaction holds the write lock
    barrier = threading.Barrier(4)
    failures = []

    def grant():
        from fablab.accounts.models import User
        from fablab.transaction import commit

        with app.app_context():
            barrier.wait()
            try:
                user = db.session.get(User, member_id)
                qualification = db.session.get(Qualification, laser_id)
                grant_qualification(user=user, qualification=qualification, source="training")
                commit()
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=grant) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    db.session.rollback()
    assert failures == []
    assert db.session.scalar(sa.select(sa.func.count(UserQualification.id))) == 1
    assert has_valid_qualification(user=member, qualification=laser, at=utcnow())
