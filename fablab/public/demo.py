"""Demo data of the public domain: the demo lab publishes its open data."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.extensions import db
from fablab.machines.models import ConsumableUnit, Machine
from fablab.public.opendata import set_material_profile, update_open_data_settings


def seed_open_data() -> None:
    """Publish every dataset, place the lab in Lyon, name the filament of the printers."""
    update_open_data_settings(
        publish_lab=True,
        publish_activity=True,
        publish_events=True,
        city="Lyon",
        latitude=45.7578,
        longitude=4.8320,
    )
    printers = db.session.scalars(
        sa.select(Machine).where(Machine.consumable_unit == ConsumableUnit.GRAM)
    )
    for number, machine in enumerate(printers):
        set_material_profile(
            machine=machine, material="PLA", recycled=number % 2 == 0, bio_sourced=True
        )
