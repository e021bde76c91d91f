"""Manager lists load related people and machines in bulk: more rows, not more queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g

from fablab.bookings.models import Reservation
from fablab.timeutil import utcnow
from fablab.usage.models import UsageSession


def queries_for(client, db, url: str) -> int:
    db.session.commit()
    db.session.expunge_all()  # nothing preloaded from the test's own session
    g.pop("_lab_settings", None)
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def add_history(db, make_user, machine_id: int, people: int, first_hour: int) -> None:
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=300)
    for n in range(people):
        user = make_user()
        at = start + timedelta(hours=2 * (first_hour + n))
        end = at + timedelta(hours=1)
        db.session.add(
            Reservation(
                machine_id=machine_id,
                user_id=user.id,
                start_at=at,
                end_at=end,
                blocked_until=end,
                status="completed",
                completed_at=end,
            )
        )
        db.session.add(
            UsageSession(
                machine_id=machine_id,
                user_id=user.id,
                started_at=at,
                ended_at=end,
                source="manager",
                status="flagged",
            )
        )
    db.session.commit()


@pytest.mark.parametrize("url", ["/bookings/manage", "/usage/sessions", "/usage/review"])
def test_list_pages_do_not_query_once_per_person(
    client, db, login_as, manager, make_user, make_machine, url
):
    machine_id = make_machine().id
    manager_id = manager.id
    add_history(db, make_user, machine_id, people=5, first_hour=0)
    login_as(db.session.get(type(manager), manager_id))
    queries_for(client, db, url)  # the first visit also fills per-process caches
    few = queries_for(client, db, url)
    add_history(db, make_user, machine_id, people=25, first_hour=10)
    assert queries_for(client, db, url) == few
