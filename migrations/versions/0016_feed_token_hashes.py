"""feed token hashes: calendar feed tokens are stored as their SHA-256; the jobs' heartbeat

Revision ID: 0016_feed_token_hashes
Revises: 0015_public
Create Date: 2026-11-30 17:40:00

``users.calendar_token`` and ``company_calendar_tokens.token`` now hold the
SHA-256 (64 hex characters) of the secret in the feed URL, never the secret
itself; the existing tokens are hashed in place, so every subscription made
before keeps working. ``calendar_token_prefix`` / ``prefix``: the secret's first
characters, to recognise a link on the subscription page.

``job_runs``: when each scheduler job last ran and whether it succeeded (shown by
``/readyz``), so a stopped jobs process is seen from every web host.

Downgrade cannot bring the secrets back: it clears them (every feed link made
before then answers 404 and people make new ones).
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0016_feed_token_hashes"
down_revision = "0015_public"
branch_labels = None
depends_on = None

PREFIX_LENGTH = 6

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("calendar_token", sa.String),
    sa.column("calendar_token_prefix", sa.String),
)
company_tokens = sa.table(
    "company_calendar_tokens",
    sa.column("id", sa.Integer),
    sa.column("token", sa.String),
    sa.column("prefix", sa.String),
)


def _hash_in_place(table, token_column: str, prefix_column: str) -> None:
    connection = op.get_bind()
    token = table.c[token_column]
    rows = connection.execute(sa.select(table.c.id, token).where(token.is_not(None))).all()
    for row_id, secret in rows:
        connection.execute(
            sa.update(table)
            .where(table.c.id == row_id)
            .values(
                {
                    token_column: hashlib.sha256(secret.encode()).hexdigest(),
                    prefix_column: secret[:PREFIX_LENGTH],
                }
            )
        )


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("calendar_token_prefix", sa.String(length=12), nullable=True))
    with op.batch_alter_table("company_calendar_tokens") as batch_op:
        batch_op.add_column(
            sa.Column("prefix", sa.String(length=12), server_default="", nullable=False)
        )
    _hash_in_place(users, "calendar_token", "calendar_token_prefix")
    _hash_in_place(company_tokens, "token", "prefix")
    op.create_table(
        "job_runs",
        sa.Column("job_id", sa.String(length=80), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_runs")),
    )


def downgrade():
    op.drop_table("job_runs")
    op.execute(sa.update(users).values(calendar_token=None))
    op.execute(sa.delete(company_tokens))
    with op.batch_alter_table("company_calendar_tokens") as batch_op:
        batch_op.drop_column("prefix")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("calendar_token_prefix")
