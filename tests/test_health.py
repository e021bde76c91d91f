"""The probes a load balancer asks: alive (/healthz) and ready to serve (/readyz)."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.health import expected_heads


def test_healthz_answers_without_the_database(app, client):
    from fablab.extensions import db

    statements = []

    def record(_connection, _cursor, statement, *_rest):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/healthz")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ok_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["revision"]) == set(expected_heads())


def test_readyz_is_503_when_migrations_are_pending(app, db, client):
    versions = sa.table("alembic_version", sa.column("version_num"))
    with db.engine.begin() as connection:
        heads = list(connection.scalars(sa.select(versions.c.version_num)))
        connection.execute(versions.delete())
        connection.execute(versions.insert().values(version_num="0001_foundation"))
    try:
        response = client.get("/readyz")
    finally:
        with db.engine.begin() as connection:
            connection.execute(versions.delete())
            connection.execute(versions.insert(), [{"version_num": v} for v in heads])
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "migrations_pending"
    assert body["current"] == ["0001_foundation"]
    assert "flask db upgrade" in body["message"]


def test_readyz_is_503_when_the_database_is_unreachable(app, db):
    from fablab import create_app

    config = dict(app.config)
    config["SQLALCHEMY_DATABASE_URI"] = (
        "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    )
    broken = create_app(type("Broken", (), config))
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"] == "database_unreachable"
    assert broken.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_on_a_database_never_migrated(app, tmp_path):
    from fablab import create_app

    config = dict(app.config)
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    response = create_app(type("Empty", (), config)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"] == "migrations_pending"
    assert response.get_json()["current"] == []
