"""The migrations build exactly the schema the models describe (`flask db check`)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_models_and_migrations_agree(app, db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_overlap_guard_is_in_the_database(app, db):
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            found = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_constraint WHERE conname = 'reservations_no_overlap'"
                " AND contype = 'x'"
            ).scalar()
            assert found == 1
        else:
            triggers = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'reservations_no_overlap%'"
            ).scalars()
            assert sorted(triggers) == [
                "reservations_no_overlap_insert",
                "reservations_no_overlap_update",
            ]
