"""The open-data documents: catalogue, lab identity, activity by month (JSON and CSV).

Every dataset is opt-in (OpenDataSettings). Counts of people below the lab's
threshold are published as null, so that nobody can be singled out; hours and
kilograms are sums of time and matter, never of people, and stay published.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import ConsumableUnit, Machine
from fablab.machines.settings import get_settings
from fablab.public import activity
from fablab.public.models import MaterialProfile, OpenDataSettings
from fablab.public.status import public_machines, week_hours
from fablab.timeutil import utcnow
from fablab.urls import base_url, external_url

VERSION = "1.0"
LICENCE = {
    "title": "Licence Ouverte / Open Licence 2.0",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
PEOPLE_COUNTS = ("people_trained", "qualifications_granted", "active_members", "companies_served")


class NotPublished(DomainError):
    status = 404
    code = "not_published"


def get_open_data_settings() -> OpenDataSettings:
    """The open-data settings; before the manager saves them, the defaults (nothing published).

    Reading never writes: public pages stay read-only transactions.
    """
    settings = db.session.get(OpenDataSettings, 1)
    if settings is None:
        settings = OpenDataSettings(
            id=1,
            publish_lab=False,
            publish_activity=False,
            publish_events=False,
            suppression_threshold=5,
            city="",
            updated_at=utcnow(),
        )
    return settings


def update_open_data_settings(**values) -> OpenDataSettings:
    """Change what is published; the threshold is at least 1."""
    settings = db.session.get(OpenDataSettings, 1)
    if settings is None:
        settings = get_open_data_settings()
        db.session.add(settings)
    threshold = values.get("suppression_threshold", settings.suppression_threshold)
    if threshold is None or threshold < 1:
        raise DomainError(_("The threshold must be at least 1."), field="suppression_threshold")
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_at = utcnow()
    db.session.flush()
    return settings


def suppress(count: int, threshold: int) -> int | None:
    """A count of people, or None when it is small enough to single someone out."""
    return None if 0 < count < threshold else count


def _url(endpoint: str, **values) -> str:
    return external_url(endpoint, **values)


def schema_url(dataset: str) -> str:
    return _url("public.schema", name=f"{dataset}.schema.json")


def _dataset(dataset_id, title, description, formats, schema: str | None, updated):
    entry = {
        "id": dataset_id,
        "title": title,
        "description": description,
        "licence": LICENCE["title"],
        "licence_url": LICENCE["url"],
        "updated_at": updated.isoformat(),
        "formats": formats,
    }
    if schema:
        entry["schema_url"] = schema_url(schema)
    return entry


def catalogue() -> dict:
    """The datasets this lab publishes, with their formats and schema addresses."""
    settings = get_open_data_settings()
    updated = settings.updated_at
    datasets = []
    if settings.publish_lab:
        formats = [{"format": "json", "url": _url("public.lab_json")}]
        description = "Identité, adresse, coordonnées, horaires d’ouverture, machines par type."
        datasets.append(_dataset("lab", "Le lab", description, formats, "lab", updated))
    if settings.publish_activity:
        formats = [
            {"format": "json", "url": _url("public.activity_json")},
            {"format": "csv", "url": _url("public.activity_csv")},
        ]
        description = (
            "Par mois : heures réservées et utilisées, matière (dont recyclée ou biosourcée), "
            "événements, formations, effectifs (petits effectifs masqués)."
        )
        datasets.append(_dataset("activity", "Activité", description, formats, "activity", updated))
    if settings.publish_events:
        formats = [{"format": "ics", "url": _url("calendars.events_feed")}]
        description = "Événements publics du lab (iCalendar)."
        datasets.append(_dataset("events", "Événements", description, formats, None, updated))
    return {
        "version": VERSION,
        "lab": get_settings().name,
        "website": base_url() + "/",
        "licence": LICENCE,
        "datasets": datasets,
    }


def _capabilities(machines: list[Machine]) -> list[str]:
    found = set()
    for machine in machines:
        if machine.consumable_unit != ConsumableUnit.NONE:
            found.add(f"consumable:{machine.consumable_unit}")
        if machine.unattended_allowed:
            found.add("unattended")
        if machine.required_qualification_id:
            found.add("training_required")
    return sorted(found)


def _machines_by_kind(machines: list[Machine]) -> list[dict]:
    kinds: dict[str, list[Machine]] = {}
    for machine in machines:
        kinds.setdefault(machine.kind, []).append(machine)
    return [
        {"kind": kind, "count": len(items), "capabilities": _capabilities(items)}
        for kind, items in sorted(kinds.items())
    ]


def lab_document() -> dict:
    """Identity, address, coordinates, opening hours and machines of the lab."""
    settings = get_open_data_settings()
    if not settings.publish_lab:
        raise NotPublished(_("The lab does not publish this dataset."))
    lab = get_settings()
    machines = public_machines()
    coordinates = None
    if settings.latitude is not None and settings.longitude is not None:
        coordinates = {"latitude": settings.latitude, "longitude": settings.longitude}
    return {
        "$schema": schema_url("lab"),
        "version": VERSION,
        "licence": LICENCE["title"],
        "name": lab.name,
        "address": lab.address,
        "city": settings.city,
        "coordinates": coordinates,
        "email": lab.email,
        "phone": lab.phone,
        "website": base_url() + "/",
        "timezone": lab.timezone,
        "opening_hours": [
            {"weekday": day, "opens": o.strftime("%H:%M"), "closes": c.strftime("%H:%M")}
            for day, intervals in week_hours()
            for o, c in intervals
        ],
        "machines_by_kind": _machines_by_kind(machines),
        "machines": [
            {
                "id": m.id,
                "name": m.name,
                "kind": m.kind,
                "status": m.status,
                "availability_url": _url("api.machine_availability", machine_id=m.id),
                "booking_url": _url("bookings.week", machine_id=m.id),
            }
            for m in machines
        ],
    }


def _hours(minutes: dict[str, int]) -> dict[str, float]:
    return {key: round(value / 60, 2) for key, value in sorted(minutes.items()) if value}


def _month_document(key: str, raw: dict, threshold: int) -> dict:
    return {
        "month": key,
        "hours_booked": _hours(raw["hours_booked"]),
        "hours_used": _hours(raw["hours_used"]),
        "material": {
            name: {
                "kg": round(m["milligrams"] / 1_000_000, 3),
                "circular_kg": round(m["circular_milligrams"] / 1_000_000, 3),
            }
            for name, m in sorted(raw["material"].items())
        },
        "events": {
            kind: {"count": e["count"], "attendees": suppress(e["attendees"], threshold)}
            for kind, e in sorted(raw["events"].items())
        },
        "trainings_held": raw["trainings_held"],
        "people_trained": suppress(raw["people_trained"], threshold),
        "qualifications_granted": suppress(raw["qualifications_granted"], threshold),
        "active_members": suppress(raw["members"], threshold),
        "companies_served": suppress(raw["companies"], threshold),
    }


def activity_document(today: date | None = None) -> dict:
    """The lab's activity by month, small counts of people suppressed."""
    settings = get_open_data_settings()
    if not settings.publish_activity:
        raise NotPublished(_("The lab does not publish this dataset."))
    start, end = activity.default_period(today)
    raw = activity.monthly_activity(start, end)
    threshold = settings.suppression_threshold
    return {
        "$schema": schema_url("activity"),
        "version": VERSION,
        "licence": LICENCE["title"],
        "lab": get_settings().name,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "suppression_threshold": threshold,
        "months": [_month_document(key, raw[key], threshold) for key in sorted(raw)],
    }


def activity_rows(document: dict) -> list[tuple[str, str, str, object]]:
    """(month, metric, key, value) rows; a suppressed count has an empty value."""
    rows = []
    for month in document["months"]:
        key = month["month"]
        for metric in ("hours_booked", "hours_used"):
            rows += [(key, metric, kind, v) for kind, v in month[metric].items()]
        for name, m in month["material"].items():
            rows += [
                (key, "material_kg", name, m["kg"]),
                (key, "circular_kg", name, m["circular_kg"]),
            ]
        for kind, e in month["events"].items():
            rows += [(key, "events", kind, e["count"]), (key, "attendees", kind, e["attendees"])]
        rows.append((key, "trainings_held", "", month["trainings_held"]))
        rows += [(key, metric, "", month[metric]) for metric in PEOPLE_COUNTS]
    return rows


def activity_csv(document: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "metric", "key", "value"])
    for month, metric, key, value in activity_rows(document):
        writer.writerow([month, metric, key, "" if value is None else value])
    return out.getvalue()


def public_figures(now: datetime | None = None) -> dict[str, int | None]:
    """This year's figures for the home page, small counts of people suppressed."""
    now = now or utcnow()
    totals = activity.year_totals(now.year)
    threshold = get_open_data_settings().suppression_threshold
    return {
        "hours_of_making": round(max(totals["minutes_used"], totals["minutes_booked"]) / 60),
        "people_trained": suppress(totals["people_trained"], threshold),
        "companies_served": suppress(totals["companies_served"], threshold),
        "threshold": threshold,
    }


def set_material_profile(*, machine: Machine, material: str, recycled: bool, bio_sourced: bool):
    """Name the material a machine consumes and whether it is recycled or bio-sourced."""
    profile = db.session.scalar(
        sa.select(MaterialProfile).where(MaterialProfile.machine_id == machine.id)
    )
    if profile is None:
        profile = MaterialProfile(machine_id=machine.id)
        db.session.add(profile)
    profile.material = material.strip()[:60]
    profile.recycled = recycled
    profile.bio_sourced = bio_sourced
    db.session.flush()
    return profile
