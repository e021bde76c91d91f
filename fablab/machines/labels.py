"""Human labels for the machine enums, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from fablab.machines.models import ConsumableUnit, MachineKind, MachineStatus

KIND_LABELS = {
    MachineKind.PRINTER_3D: _l("3D printer"),
    MachineKind.LASER_CUTTER: _l("Laser cutter"),
    MachineKind.CNC_MILL: _l("CNC mill"),
    MachineKind.VINYL_CUTTER: _l("Vinyl cutter"),
    MachineKind.ELECTRONICS: _l("Electronics"),
    MachineKind.OTHER: _l("Other"),
}

STATUS_LABELS = {
    MachineStatus.AVAILABLE: _l("Available"),
    MachineStatus.MAINTENANCE: _l("Maintenance"),
    MachineStatus.RETIRED: _l("Retired"),
}

UNIT_LABELS = {
    ConsumableUnit.NONE: _l("No consumable"),
    ConsumableUnit.GRAM: _l("gram"),
    ConsumableUnit.SHEET: _l("sheet"),
    ConsumableUnit.SQUARE_METRE: _l("m²"),
}


def machine_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(MachineKind(kind), kind))


def machine_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(MachineStatus(status), status))


def consumable_unit_label(unit: str) -> str:
    return str(UNIT_LABELS.get(ConsumableUnit(unit), unit))
