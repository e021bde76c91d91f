def test_machines_api(client, make_machine):
    make_machine(name="P1")
    r = client.get("/api/v1/machines")
    assert r.status_code == 200
    assert r.json[0]["name"] == "P1"


def test_overlap_db(app, db, make_machine, make_user):
    from datetime import UTC, datetime, timedelta
    import pytest
    import sqlalchemy as sa
    from fablab.bookings.models import Reservation
    m = make_machine(); u = make_user()
    s = datetime(2030, 1, 1, 10, tzinfo=UTC)
    db.session.add(Reservation(machine=m, user=u, start_at=s, end_at=s + timedelta(hours=1), blocked_until=s + timedelta(hours=1)))
    db.session.commit()
    db.session.add(Reservation(machine=m, user=u, start_at=s + timedelta(minutes=30), end_at=s + timedelta(hours=2), blocked_until=s + timedelta(hours=2)))
    with pytest.raises(sa.exc.DatabaseError):
        db.session.commit()
    db.session.rollback()
