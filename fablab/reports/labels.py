"""Words for the report's keys, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SEGMENT_LABELS = {
    "member": _l("Members"),
    "public": _l("Public"),
    "reduced": _l("Reduced rate"),
    "company": _l("Companies"),
}
PRODUCT_LABELS = {
    "machine_time": _l("Machine time"),
    "consumable": _l("Materials"),
    "membership": _l("Memberships"),
    "pack": _l("Prepaid packs"),
    "event": _l("Events and trainings"),
    "other": _l("Other services"),
    "unallocated": _l("Partial credit notes"),
}
PERIOD_LABELS = {
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
    "custom": _l("Custom dates"),
}
EVENT_KIND_LABELS = {
    "discovery_day": _l("Discovery days"),
    "training": _l("Trainings"),
    "company_workshop": _l("Company workshops"),
    "open_lab": _l("Open lab"),
}
COST_LABELS = {
    "rent": _l("Rent"),
    "staff": _l("Staff"),
    "insurance": _l("Insurance"),
    "maintenance": _l("Maintenance beyond the machines' monthly figure"),
    "materials": _l("Materials bought"),
    "other": _l("Other costs"),
}
TABLE_LABELS = {
    "revenue_by_month": _l("Revenue by month"),
    "revenue_by_segment": _l("Revenue by customer segment"),
    "revenue_by_product": _l("Revenue by product"),
    "revenue_by_machine": _l("Revenue by machine"),
    "revenue_by_machine_kind": _l("Revenue by kind of machine"),
    "top_companies": _l("Top 10 companies"),
    "customers": _l("Customers"),
    "cohorts": _l("Retention by cohort"),
    "utilisation": _l("Utilisation per machine"),
    "heat_map": _l("Booked hours by weekday and hour"),
    "cost_recovery": _l("Cost recovery per machine"),
    "payback": _l("Machine payback"),
    "costs": _l("Recorded costs"),
    "events_held": _l("Events held"),
    "outreach": _l("Outreach"),
    "partners": _l("Partner organisations"),
}


def label(mapping: dict, key: str) -> str:
    return str(mapping.get(key, key))
