"""Regional figures: each lab's published activity side by side, and their sum per month.

Only published values are summed: a count a lab suppressed (null) adds nothing
and is never guessed, so the region never reveals what a lab hid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from fablab.network.models import NetworkLab
from fablab.network.services import all_labs, lab_document

# (metric, how it reads a month of a lab's activity document)
METRICS = (
    "hours_booked",
    "hours_used",
    "material_kg",
    "circular_kg",
    "events",
    "attendees",
    "people_trained",
    "companies_served",
)


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def month_figures(month: dict) -> dict[str, Decimal]:
    """The regional metrics of one month of one lab's activity document."""
    return {
        "hours_booked": sum((_dec(v) for v in month["hours_booked"].values()), Decimal(0)),
        "hours_used": sum((_dec(v) for v in month["hours_used"].values()), Decimal(0)),
        "material_kg": sum((_dec(m["kg"]) for m in month["material"].values()), Decimal(0)),
        "circular_kg": sum(
            (_dec(m["circular_kg"]) for m in month["material"].values()), Decimal(0)
        ),
        "events": sum((_dec(e["count"]) for e in month["events"].values()), Decimal(0)),
        "attendees": sum((_dec(e["attendees"]) for e in month["events"].values()), Decimal(0)),
        "people_trained": _dec(month["people_trained"]),
        "companies_served": _dec(month["companies_served"]),
    }


@dataclass
class LabFigures:
    lab: NetworkLab
    months: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Regional:
    labs: list[LabFigures]
    months: dict[str, dict[str, Decimal]]  # month -> metric -> regional sum
    totals: dict[str, Decimal]
    materials: dict[str, Decimal]  # material -> kg over the whole period


def _add(into: dict[str, Decimal], figures: dict[str, Decimal]) -> None:
    for metric, value in figures.items():
        into[metric] = into.get(metric, Decimal(0)) + value


def regional_figures(labs: list[NetworkLab] | None = None) -> Regional:
    """Every member lab's last good activity, per month, and the region's sums."""
    labs = all_labs() if labs is None else labs
    result = Regional(labs=[], months={}, totals={}, materials={})
    for lab in labs:
        document = lab_document(lab, "activity")
        figures = LabFigures(lab)
        for month in (document or {}).get("months", []):
            values = month_figures(month)
            figures.months[month["month"]] = values
            _add(figures.totals, values)
            _add(result.months.setdefault(month["month"], {}), values)
            for name, material in month["material"].items():
                result.materials[name] = result.materials.get(name, Decimal(0)) + _dec(
                    material["kg"]
                )
        result.labs.append(figures)
        _add(result.totals, figures.totals)
    result.months = dict(sorted(result.months.items()))
    return result
