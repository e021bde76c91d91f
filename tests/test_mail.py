"""Without an SMTP server, mails are written to the log by the jobs process, after the commit."""

import contextlib
import logging

import sqlalchemy as sa

from fablab.mail import queue_mail
from fablab.transaction import commit


def test_without_a_server_mails_go_to_the_log(app, monkeypatch, caplog):
    from fablab.scheduler import JOBS, run_job

    # The backend config.py picks when MAIL_SERVER is empty (read once at start-up).
    monkeypatch.setattr(app.extensions["mailman"], "backend", "fablab.mail.LogEmailBackend")
    queue_mail("someone@example.org", "Hello", "The body of the message")
    with caplog.at_level(logging.INFO, logger="fablab.mail"):
        assert not any("Hello" in r.getMessage() for r in caplog.records)
        commit()
        assert not any("Hello" in r.getMessage() for r in caplog.records)  # not in the request
        (sender,) = [job for job in JOBS if job.id == "mail.send_outbox"]
        assert run_job(app, sender) == {"sent": 1}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "mail to someone@example.org: Hello" in logged
    assert "The body of the message" in logged


def test_nothing_is_sent_when_the_commit_fails(app, outbox, db):
    from fablab.accounts.models import User

    queue_mail("someone@example.org", "Hello", "body")
    db.session.add(User(email="NOT-LOWER@example.org", password_hash="x"))
    with contextlib.suppress(sa.exc.IntegrityError):  # the check constraint refuses the row
        commit()
    assert outbox == []
