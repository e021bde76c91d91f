"""Dates outside 2000–2100 in any page's URL or form get a clear answer, never a 5xx."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.machines.models import Machine
from fablab.seed import seed_demo
from fablab.transaction import commit

FAR = ["0001-01-01", "9999-12-31", "1899-12-31"]


@pytest.fixture
def demo(app, db, client, login_as):
    seed_demo()
    commit()
    machine = db.session.scalar(sa.select(Machine).order_by(Machine.id))

    def as_(email):
        login_as(db.session.scalar(sa.select(User).where(User.email == email)))
        return client

    return machine, as_


@pytest.mark.parametrize("day", FAR)
def test_pages_with_far_dates_answer_without_error(demo, day):
    machine, as_ = demo
    member = as_("member@example.org")
    for path in (f"/book?day={day}", f"/machines/{machine.id}/calendar?week={day}"):
        assert member.get(path).status_code < 500, path
    manager = as_("manager@example.org")
    assert manager.get(f"/bookings/manage?start={day}&end={day}").status_code < 500


@pytest.mark.parametrize("day", FAR)
def test_forms_with_far_dates_say_so_beside_the_field(demo, day):
    machine, as_ = demo
    member = as_("member@example.org")
    booked = member.post(
        f"/machines/{machine.id}/book",
        data={"day": day, "start_time": "10:00", "end_time": "11:00"},
    )
    assert booked.status_code == 422
    assert "2000" in booked.get_data(as_text=True)
    joined = member.post(
        "/waitlist/join",
        data={"day": day, "machine_id": machine.id, "start_time": "10:00", "end_time": "11:00"},
    )
    assert joined.status_code < 500
