"""Feed links made before their tokens were hashed (0016) keep working after it."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from fablab import create_app
from fablab.extensions import db


@pytest.fixture
def old_lab(app_config, tmp_path):
    """A lab of its own, on its own SQLite file, at the revision before the hashes."""

    class Config(app_config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"

    lab = create_app(Config)
    with lab.app_context():
        upgrade(revision="0015_public")
        yield lab
        db.session.remove()
        db.engine.dispose()


def insert_subscribers(connection) -> tuple[str, str]:
    """A member and a company contact as 0015 stored them, with plain feed tokens."""
    personal, company = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    connection.execute(
        sa.text(
            "INSERT INTO companies (id, legal_name, billing_address, contact_email, created_at)"
            " VALUES (1, 'Acme', '', 'billing@acme.example', '2026-01-01 00:00:00')"
        )
    )
    for user_id, email, token, contact in (
        (1, "member@example.org", personal, False),
        (2, "contact@acme.example", secrets.token_urlsafe(32), True),
    ):
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, password_hash, name, phone, address, locale, role,"
                " category, company_id, is_company_contact, active, session_version,"
                " calendar_token, created_at) VALUES (:id, :email, 'x', 'Someone', '', '', 'en',"
                " 'member', 'member', :company, :contact, 1, 1, :token, '2026-01-01 00:00:00')"
            ),
            {
                "id": user_id,
                "email": email,
                "token": token,
                "contact": contact,
                "company": 1 if contact else None,
            },
        )
    connection.execute(
        sa.text(
            "INSERT INTO company_calendar_tokens (company_id, token, created_at, contact_id)"
            " VALUES (1, :token, '2026-01-01 00:00:00', 2)"
        ),
        {"token": company},
    )
    return personal, company


def test_old_feed_urls_still_work_and_no_plain_token_is_left(old_lab):
    with db.engine.begin() as connection:
        personal, company = insert_subscribers(connection)

    upgrade(revision="0016_feed_token_hashes")

    client = old_lab.test_client()
    assert client.get(f"/calendar/user/{personal}.ics").status_code == 200
    assert client.get(f"/calendar/company/{company}.ics").status_code == 200
    dump = "\n".join(db.session.connection().connection.dbapi_connection.iterdump())
    assert personal not in dump and company not in dump
    assert f"'{personal[:6]}'" in dump  # the prefix, to recognise the link by
