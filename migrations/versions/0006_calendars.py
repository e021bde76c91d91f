"""calendars: company calendar tokens, external calendar subscriptions, users' feed tokens

Revision ID: 0006_calendars
Revises: 0005_events
Create Date: 2026-11-23 14:40:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_calendars"
down_revision = "0005_events"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "company_calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(token) >= 32", name=op.f("ck_company_calendar_tokens_token_long_enough")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_calendar_tokens_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_calendar_tokens")),
        sa.UniqueConstraint("company_id", name=op.f("uq_company_calendar_tokens_company_id")),
        sa.UniqueConstraint("token", name=op.f("uq_company_calendar_tokens_token")),
    )
    op.create_table(
        "calendar_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_calendar_subscriptions_name_present")),
        sa.CheckConstraint("length(url) > 0", name=op.f("ck_calendar_subscriptions_url_present")),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_calendar_subscriptions_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_subscriptions")),
    )
    op.create_index(
        op.f("ix_calendar_subscriptions_machine_id"),
        "calendar_subscriptions",
        ["machine_id"],
        unique=False,
    )
    give_every_user_a_token()


def give_every_user_a_token():
    """Existing accounts get a feed token, so GET /api/v1/me always has a calendar_url."""
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("calendar_token", sa.String))
    ids = connection.execute(
        sa.select(users.c.id).where(users.c.calendar_token.is_(None))
    ).scalars()
    for user_id in list(ids):
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(calendar_token=secrets.token_urlsafe(32))
        )


def downgrade():
    op.drop_index(op.f("ix_calendar_subscriptions_machine_id"), table_name="calendar_subscriptions")
    op.drop_table("calendar_subscriptions")
    op.drop_table("company_calendar_tokens")
