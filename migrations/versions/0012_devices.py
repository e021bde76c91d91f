"""devices: printer links speak OctoPrint, Moonraker, PrusaLink or a Shelly relay

Revision ID: 0012_devices
Revises: 0007_lifecycle
Create Date: 2026-11-30 14:40:00

``octoprint_links`` keeps its name and gains the link's kind, a digest user name, the
share of the running print last seen printed (a cancelled print is charged for it), the
error's technical detail and the last useful contact. Usage sessions may come from
Moonraker and PrusaLink.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_devices"
down_revision = "0009_accounting"
branch_labels = None
depends_on = None

OLD_SOURCES = "source IN ('kiosk', 'manager', 'device', 'octoprint')"
NEW_SOURCES = "source IN ('kiosk', 'manager', 'device', 'octoprint', 'moonraker', 'prusalink')"
ONE_OPEN = "uq_usage_sessions_one_open_per_machine"


def upgrade():
    with op.batch_alter_table("octoprint_links") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="octoprint")
        )
        batch.add_column(
            sa.Column("username", sa.String(length=100), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("last_progress_ppm", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("last_error_detail", sa.Text(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            op.f("ck_octoprint_links_kind_known"),
            "kind IN ('octoprint', 'moonraker', 'prusalink', 'shelly')",
        )
        batch.create_check_constraint(
            op.f("ck_octoprint_links_progress_in_range"),
            "last_progress_ppm >= 0 AND last_progress_ppm <= 1000000",
        )
    _sources(NEW_SOURCES)


def downgrade():
    op.execute("DELETE FROM usage_sessions WHERE source IN ('moonraker', 'prusalink')")
    _sources(OLD_SOURCES)
    with op.batch_alter_table("octoprint_links") as batch:
        batch.drop_constraint(op.f("ck_octoprint_links_progress_in_range"), type_="check")
        batch.drop_constraint(op.f("ck_octoprint_links_kind_known"), type_="check")
        for column in ("last_contact_at", "last_error_detail", "last_progress_ppm", "username"):
            batch.drop_column(column)
        batch.drop_column("kind")


def _sources(check: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A SQLite check constraint changes only by rebuilding the table, which drops
        # the partial index keeping one open session per machine: rebuilt after.
        with op.batch_alter_table("usage_sessions", recreate="always") as batch:
            batch.drop_constraint(op.f("ck_usage_sessions_source_known"), type_="check")
            batch.create_check_constraint(op.f("ck_usage_sessions_source_known"), check)
        op.execute(f"DROP INDEX IF EXISTS {ONE_OPEN}")
        op.create_index(
            ONE_OPEN,
            "usage_sessions",
            ["machine_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
        )
        return
    op.drop_constraint(op.f("ck_usage_sessions_source_known"), "usage_sessions", type_="check")
    op.create_check_constraint(op.f("ck_usage_sessions_source_known"), "usage_sessions", check)
