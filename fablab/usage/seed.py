"""Demo usage: a few past sessions on the demo lab's machines (billing has something to bill),
and how each machine reports its use: the Prusa printers through PrusaLink, the laser through
a Shelly relay (links saved but not polled: the demo lab has no such devices)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow
from fablab.usage.models import (
    PRINTER_SOURCES,
    PrinterKind,
    PrinterLink,
    UsageSession,
    UsageSource,
    UsageStatus,
)

# (machine name, user e-mail, days ago, hour, minutes used, material in thousandths, source)
DEMO_SESSIONS = [
    ("Prusa MK4 #1", "member@example.org", 6, 14, 95, 38_500, UsageSource.PRUSALINK),
    ("Prusa MK4 #2", "employee@example.org", 5, 10, 240, 112_000, UsageSource.OCTOPRINT),
    ("Découpeuse laser Trotec", "employee@example.org", 4, 15, 45, 2_000, UsageSource.KIOSK),
    ("Découpeuse laser Trotec", "member@example.org", 2, 17, 30, 1_000, UsageSource.DEVICE),
]


def seed_usage() -> None:
    """Closed sessions of the past week for the demo accounts. Runs in the caller's transaction."""
    db.session.flush()
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for machine_name, email, days, hour, minutes, quantity, source in DEMO_SESSIONS:
        machine = db.session.scalar(sa.select(Machine).where(Machine.name == machine_name))
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if machine is None or user is None:
            continue
        start = (now - timedelta(days=days)).replace(hour=hour)
        db.session.add(
            UsageSession(
                machine=machine,
                user=user,
                company_id=user.company_id,
                source=source.value,
                status=UsageStatus.CLOSED.value,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
                consumable_quantity_milli=quantity if machine.consumable_unit != "none" else 0,
                consumable_unit=machine.consumable_unit,
                consumable_rate_cents=machine.consumable_rate_cents,
                file_name="support-casque.gcode" if source in PRINTER_SOURCES else "",
                external_id=f"{source.value}:demo-{days}" if source in PRINTER_SOURCES else None,
            )
        )
    db.session.flush()
    seed_links(now)


# (machine name, kind, address, user): disabled, so the demo never polls them.
DEMO_LINKS = [
    ("Prusa MK4 #1", PrinterKind.PRUSALINK, "http://prusa-mk4-1.local", "maker"),
    ("Prusa MK4 #2", PrinterKind.OCTOPRINT, "http://octopi-mk4-2.local", ""),
    ("Découpeuse laser Trotec", PrinterKind.SHELLY, "http://shelly-laser.local", ""),
]


def seed_links(now) -> None:
    for machine_name, kind, url, username in DEMO_LINKS:
        machine = db.session.scalar(sa.select(Machine).where(Machine.name == machine_name))
        if machine is None:
            continue
        db.session.add(
            PrinterLink(
                machine=machine,
                kind=kind.value,
                url=url,
                username=username,
                api_key="demo-not-a-real-key",
                enabled=False,
                created_at=now - timedelta(days=30),
            )
        )
    db.session.flush()
