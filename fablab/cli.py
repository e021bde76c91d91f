"""Command-line interface: `flask --app wsgi …`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from fablab.accounts.models import Category, Role, User
from fablab.extensions import db
from fablab.transaction import commit


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value)
@click.option("--name", default="")
@click.option(
    "--category", type=click.Choice([c.value for c in Category]), default=Category.PUBLIC.value
)
@click.password_option(help="The password (asked when not given).")
def create_user_command(email: str, role: str, name: str, category: str, password: str) -> None:
    """Create an account (or change the role of an existing one)."""
    from fablab.accounts.services import AccountError, register_user

    existing = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if existing is not None:
        existing.role = role
        commit()
        click.echo(f"{existing.email} now has the role {role}.")
        return
    try:
        user = register_user(
            email=email, password=password, name=name, role=role, category=category
        )
    except AccountError as error:
        raise click.ClickException(error.message) from None
    commit()
    click.echo(f"Created {user.email} ({role}).")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", help="A label to recognise the token later.")
def create_token_command(email: str, name: str) -> None:
    """Print a new personal API token for EMAIL (shown once; only its hash is kept)."""
    from fablab.accounts.tokens import create_api_token

    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the e-mail {email}.")
    _, secret = create_api_token(user=user, name=name)
    commit()
    click.echo(secret)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed_demo_command(if_empty: bool) -> None:
    """Fill the database with the demo lab (machines, prices, accounts…)."""
    from fablab.seed import seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("The database already has data: demo not seeded.")
        return
    seed_demo()
    commit()
    click.echo(
        "Demo lab ready. Log in as manager@example.org, member@example.org or "
        "employee@example.org with the password demo-password."
    )


from fablab.billing.accounting.cli import accounting_group  # noqa: E402
from fablab.billing.cli import invoices_group  # noqa: E402
from fablab.calendars.cli import calendars_group  # noqa: E402
from fablab.events.cli import events_group  # noqa: E402
from fablab.network.cli import network_group  # noqa: E402
from fablab.outbox.cli import outbox_group  # noqa: E402
from fablab.payments.cli import stripe_group  # noqa: E402
from fablab.payments.offer_cli import offer_group  # noqa: E402
from fablab.reports.cli import reports_group  # noqa: E402
from fablab.scheduler import scheduler_command  # noqa: E402
from fablab.synthetic.cli import seed_synthetic_command  # noqa: E402
from fablab.usage.cli import usage_group  # noqa: E402

COMMANDS = [
    create_user_command,
    create_token_command,
    seed_demo_command,
    seed_synthetic_command,
    invoices_group,
    accounting_group,
    scheduler_command,
    usage_group,
    calendars_group,
    events_group,
    stripe_group,
    offer_group,
    outbox_group,
    reports_group,
    network_group,
]


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
