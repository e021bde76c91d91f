"""The demo lab and the account CLI commands, as `flask --app wsgi …` runs them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.accounts.models import ApiToken, Company, User
from fablab.machines.models import Closure, Machine, OpeningHours, Qualification

DEMO_ACCOUNTS = ("manager@example.org", "member@example.org", "employee@example.org")


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def _run(*args: str, input: str | None = None):
        return runner.invoke(args=list(args), input=input)

    return _run


def counts(db) -> dict[str, int]:
    """Row counts of every table: a rerun that changes nothing leaves them equal."""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def user(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_seed_demo_builds_the_demo_lab(cli, db):
    result = cli("seed-demo")

    assert result.exit_code == 0, result.output
    assert "demo-password" in result.output
    kinds = db.session.scalars(sa.select(Machine.kind)).all()
    assert kinds.count("3d_printer") >= 2
    assert "laser_cutter" in kinds and "cnc_mill" in kinds
    assert all(m.rate_public_cents > 0 for m in db.session.scalars(sa.select(Machine)))
    assert db.session.scalar(sa.select(sa.func.count(OpeningHours.id))) > 0
    assert db.session.scalar(sa.select(Qualification)) is not None
    assert db.session.scalar(sa.select(Closure).where(Closure.repeats_yearly)) is not None
    company = db.session.scalar(sa.select(Company).where(Company.legal_name == "Demo Industries"))
    employee = user(db, "employee@example.org")
    assert employee.company_id == company.id
    assert user(db, "manager@example.org").is_manager
    assert not user(db, "member@example.org").is_manager


def test_the_demo_accounts_log_in_with_demo_password(cli, app, db):
    cli("seed-demo")

    for email in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "demo-password"})

        assert response.status_code == 302, email
        assert client.get("/api/v1/me").get_json()["email"] == email


def test_seed_demo_if_empty_changes_nothing_the_second_time(cli, db):
    assert cli("seed-demo", "--if-empty").exit_code == 0
    before = counts(db)

    result = cli("seed-demo", "--if-empty")

    assert result.exit_code == 0
    assert "already" in result.output
    assert counts(db) == before


def test_seed_demo_if_empty_keeps_an_existing_database(cli, db, manager):
    cli("seed-demo", "--if-empty")

    assert db.session.scalar(sa.select(sa.func.count(Machine.id))) == 0


# --- create-user and create-token -------------------------------------------------------------


def test_create_user_with_a_role(cli, db):
    result = cli(
        "create-user", "Boss@Example.org", "--role", "manager", "--password", "a long secret 42"
    )

    assert result.exit_code == 0, result.output
    created = user(db, "boss@example.org")
    assert created.role == "manager"
    assert created.check_password("a long secret 42")


def test_create_user_asks_for_the_password(cli, db):
    result = cli("create-user", "someone@example.org", input="a long secret 42\na long secret 42\n")

    assert result.exit_code == 0, result.output
    assert user(db, "someone@example.org").check_password("a long secret 42")


def test_create_user_refuses_a_weak_password(cli, db):
    result = cli("create-user", "weak@example.org", "--password", "short")

    assert result.exit_code != 0
    assert user(db, "weak@example.org") is None


def test_create_user_on_an_existing_email_changes_the_role(cli, db, member):
    result = cli("create-user", "member@example.org", "--role", "admin", "--password", "whatever")

    assert result.exit_code == 0
    assert user(db, "member@example.org").role == "admin"


def test_create_token_prints_a_working_token(cli, client, db, member):
    result = cli("create-token", "member@example.org")

    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.get_json()["email"] == "member@example.org"
    stored = db.session.scalar(sa.select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix)


def test_create_token_for_an_unknown_email_fails(cli, db):
    result = cli("create-token", "nobody@example.org")

    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
