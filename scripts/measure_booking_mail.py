"""Booking POST time with the confirmation rendered and sent in the request (before the
outbox) against written to the outbox (now), alternating in one run on a fresh SQLite file.

    .venv/bin/python scripts/measure_booking_mail.py [N]

"Before" is reproduced by rendering the confirmation (text and .ics) while the request runs
and handing it to the mail backend after the commit, as ``send_queued_mail`` did (and no
outbox row is written then); the mail
backend is the test one (in memory), so a real SMTP server's latency is not even counted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine  # noqa: E402
from flask import g  # noqa: E402
from flask_mailman import EmailMessage  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import TestConfig  # noqa: E402
from fablab import create_app  # noqa: E402
from fablab.extensions import db  # noqa: E402

MODE = ["after"]


def make_app():
    folder = tempfile.mkdtemp(prefix="fablab-measure-")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/measure.sqlite"
        UPLOAD_FOLDER = folder

    return create_app(Config)


def set_up(app) -> tuple[int, str]:
    from fablab.accounts.models import User
    from fablab.accounts.tokens import create_api_token
    from fablab.machines.models import Machine, OpeningHours
    from fablab.machines.settings import get_settings

    with app.app_context():
        upgrade()
        get_settings().timezone = "Europe/Paris"
        for day in range(7):
            db.session.add(OpeningHours(weekday=day, opens_at=clock(0), closes_at=clock(23, 59)))
        machine = Machine(
            name="Prusa MK4",
            kind="3d_printer",
            rate_member_cents=300,
            rate_public_cents=500,
            rate_reduced_cents=200,
            rate_company_cents=1200,
            billing_increment_minutes=15,
        )
        user = User(email="m@example.org", name="M", role="member", locale="fr")
        user.password_hash = "!"  # noqa: S105  (no login: the API token is enough)
        db.session.add_all([machine, user])
        db.session.commit()
        _token, secret = create_api_token(user=user)
        db.session.commit()
        return machine.id, secret


def install_old_path(app) -> None:
    from fablab.bookings import services
    from fablab.bookings.notifications import render_confirmed, snapshot

    def render_in_request(_sender=None, *, reservation, **_kw):
        if MODE[0] == "before":
            g.measure_mail = render_confirmed({"reservation": snapshot(reservation)})

    @app.before_request
    def no_outbox_row_before():
        # "Before" wrote no outbox row: the in-request path replaces it.
        g.booking_mail_suppressed = MODE[0] == "before"

    @app.after_request
    def send_after_commit(response):
        mail = g.pop("measure_mail", None)
        if mail:
            message = EmailMessage(mail.subject, mail.body, "lab@example.org", ["m@example.org"])
            for attachment in mail.attachments:
                message.attach(attachment.filename, attachment.content, attachment.mimetype)
            message.send()
        return response

    services.reservation_created.connect(render_in_request, weak=False)


def main(n: int) -> None:
    app = make_app()
    machine_id, secret = set_up(app)
    install_old_path(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    first = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    times: dict[str, list[float]] = {"before": [], "after": []}
    with time_machine.travel(datetime(2027, 2, 20, tzinfo=UTC), tick=True):
        for i in range(2 * n):
            MODE[0] = "before" if i % 2 == 0 else "after"
            start = first + timedelta(hours=i)
            body = {
                "machine_id": machine_id,
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            }
            began = time.perf_counter()
            response = client.post("/api/v1/reservations", headers=headers, json=body)
            times[MODE[0]].append(time.perf_counter() - began)
            assert response.status_code == 201, response.get_data(as_text=True)
    for mode, values in times.items():
        values = values[10:]  # warm-up
        print(
            f"{mode}: median {statistics.median(values) * 1000:.1f} ms, "
            f"mean {statistics.mean(values) * 1000:.1f} ms over {len(values)} bookings"
        )
    ratio = statistics.median(times["after"][10:]) / statistics.median(times["before"][10:])
    print(f"after / before (median): {ratio:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
