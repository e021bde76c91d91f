"""Every dashboard table as rows, and as CSV or XLSX.

Amounts are decimal euros (``12.50``), hours decimal hours, ratios between 0 and 1, so a
spreadsheet reads them as numbers. Column names are stable English keys.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

from openpyxl import Workbook

from fablab.reports.money import decimal_euros
from fablab.spreadsheets import safe_row

Table = tuple[list[str], list[list]]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def euros(cents: int | None) -> Decimal | None:
    return decimal_euros(cents)


def _revenue_by_month(s: dict) -> Table:
    segments = list(s["revenue_by_segment"])
    head = ["month", "revenue_excl_vat", *[f"{seg}_excl_vat" for seg in segments], "cash_received"]
    rows = [
        [m["month"], euros(m["revenue_cents"]),
         *[euros(m["by_segment"].get(seg, 0)) for seg in segments], euros(m["cash_cents"])]
        for m in s["revenue_by_month"]
    ]  # fmt: skip
    return head, rows


def _pairs(key: str, label: str) -> Callable[[dict], Table]:
    def table(s: dict) -> Table:
        total = s["revenue_excl_vat_cents"]
        rows = [
            [name, euros(cents), round(cents / total, 4) if total else None]
            for name, cents in s[key].items()
        ]
        return [label, "revenue_excl_vat", "share"], rows

    return table


def _top_companies(s: dict) -> Table:
    return ["company", "revenue_excl_vat"], [
        [row["name"], euros(row["revenue_cents"])] for row in s["top_companies"]
    ]


UTILISATION_KEYS = [
    "name", "kind", "open_hours", "booked_hours", "used_hours", "booked_rate", "used_rate",
    "bookings", "no_shows", "no_show_rate", "sessions", "material_milli", "material_unit",
]  # fmt: skip


def _utilisation(s: dict) -> Table:
    head = [key if key != "material_milli" else "material_used" for key in UTILISATION_KEYS]
    rows = []
    for row in s["utilisation"]:
        values = [row[key] for key in UTILISATION_KEYS]
        values[UTILISATION_KEYS.index("material_milli")] = Decimal(row["material_milli"]).scaleb(-3)
        rows.append(values)
    return head, rows


def _cost_recovery(s: dict) -> Table:
    money = ["revenue_cents", "depreciation_cents", "maintenance_cents", "recorded_cents",
             "costs_cents", "margin_cents"]  # fmt: skip
    head = ["machine", "kind", *[m.removesuffix("_cents") for m in money], "cost_recovery_ratio"]
    rows = [
        [r["name"], r["kind"], *[euros(r[m]) for m in money], r["cost_recovery_ratio"]]
        for r in s["cost_recovery"]
    ]
    return head, rows


def _payback(s: dict) -> Table:
    head = ["machine", "purchase_date", "purchase_cost", "grants", "revenue_since_purchase",
            "paid_back_ratio", "projected_payback_date", "net_cost", "net_paid_back_ratio",
            "projected_net_payback_date"]  # fmt: skip
    rows = [
        [r["name"], r["purchase_date"], euros(r["purchase_cost_cents"]), euros(r["grants_cents"]),
         euros(r["revenue_since_purchase_cents"]), r["paid_back_ratio"],
         r["projected_payback_date"], euros(r["net_cost_cents"]), r["net_paid_back_ratio"],
         r["projected_net_payback_date"]]
        for r in s["payback"]
    ]  # fmt: skip
    return head, rows


def _heat_map(s: dict) -> Table:
    head = ["weekday", *[f"{hour:02d}h" for hour in range(24)]]
    return head, [[WEEKDAYS[day], *hours] for day, hours in enumerate(s["heat_map"])]


def _outreach(s: dict) -> Table:
    o = s["outreach"]
    keys = ["events", "attendances", "people", "companies", "first_time_visitors"]
    rows = [["all", *[o[k] for k in keys]]]
    rows += [[kind, *[v[k] for k in keys]] for kind, v in o["by_kind"].items()]
    rows += [[f"audience:{a}", *[v[k] for k in keys]] for a, v in o["by_audience"].items()]
    rows.append(["qualifications_granted", o["qualifications_granted"], "", "", "", ""])
    rows.append(["partner_organisations", o["partner_organisations"], "", "", "", ""])
    return ["group", *keys], rows


def _events_held(s: dict) -> Table:
    head = ["start", "kind", "title_fr", "title_en", "attendances"]
    return head, [[e[key] for key in head] for e in s["outreach"]["events_held"]]


def _partners(s: dict) -> Table:
    head = ["organisation", "kind", "town", "website", "events"]
    rows = [
        [p["name"], p["kind"], p["town"], p["website"], p["events"]]
        for p in s["outreach"]["partners"]
    ]
    return head, rows


def _customers(s: dict) -> Table:
    c = s["customers"]
    rows = [[f"active_people:{k}", v] for k, v in c["active_people"].items()]
    rows += [[f"new_people:{k}", v] for k, v in c["new_people"].items()]
    rows += [[f"companies:{k}", v] for k, v in c["companies"].items()]
    return ["figure", "value"], rows


def _cohorts(s: dict) -> Table:
    cohorts = s["customers"]["cohorts"]
    width = max((len(c["retained"]) for c in cohorts), default=6)
    head = ["cohort", "customers", *[f"month_{k}" for k in range(1, width + 1)]]
    return head, [[c["cohort"], c["customers"], *c["retained"]] for c in cohorts]


def _costs(s: dict) -> Table:
    rows = [[category, euros(cents)] for category, cents in s["costs_by_category"].items()]
    rows += [
        ["machines_depreciation", euros(s["depreciation_cents"])],
        ["machines_maintenance", euros(s["maintenance_cents"])],
        ["total", euros(s["costs_cents"])],
        ["grants_received", euros(s["grants_cents"])],
    ]
    return ["cost", "amount"], rows


TABLES: dict[str, Callable[[dict], Table]] = {
    "revenue_by_month": _revenue_by_month,
    "revenue_by_segment": _pairs("revenue_by_segment", "segment"),
    "revenue_by_product": _pairs("revenue_by_product", "product"),
    "revenue_by_machine": _pairs("revenue_by_machine", "machine"),
    "revenue_by_machine_kind": _pairs("revenue_by_machine_kind", "machine_kind"),
    "top_companies": _top_companies,
    "customers": _customers,
    "cohorts": _cohorts,
    "utilisation": _utilisation,
    "heat_map": _heat_map,
    "cost_recovery": _cost_recovery,
    "payback": _payback,
    "costs": _costs,
    "outreach": _outreach,
    "events_held": _events_held,
    "partners": _partners,
}


def table(name: str, summary: dict) -> Table:
    return TABLES[name](summary)


def as_csv(table_: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head, rows = table_
    writer.writerow(head)
    writer.writerows(safe_row("" if v is None else v for v in row) for row in rows)
    return out.getvalue()


def as_xlsx(tables: dict[str, Table]) -> bytes:
    """One sheet per table (sheet names are at most 31 characters)."""
    book = Workbook()
    book.remove(book.active)
    for name, (head, rows) in tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(head)
        for row in rows:
            sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
