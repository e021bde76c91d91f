"""The funder report: the figures the regional call asks for, as a page and as a PDF.

The call asks each lab to run discovery events and trainings, to serve companies and to
test an economic model involving them: events, people trained, companies served, revenue
and the companies' share of it, machine cost recovery and payback.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from fablab.billing.pdf import ENCODING, pdf_text
from fablab.billing.text import date_text, euros
from fablab.events.labels import partner_kind_label
from fablab.reports.labels import EVENT_KIND_LABELS, SEGMENT_LABELS, label
from fablab.reports.periods import Period


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _day(value: str | None) -> str:
    return date_text(date.fromisoformat(value)) if value else "-"


def key_figures(s: dict) -> list[tuple[str, str]]:
    """(label, value) pairs in the reader's language, in the order the call lists them."""
    o, companies = s["outreach"], s["customers"]["companies"]
    return [
        (_("Events held"), str(o["events"])),
        (_("Attendances at events"), str(o["attendances"])),
        (_("People reached by events"), str(o["people"])),
        (_("First-time visitors"), str(o["first_time_visitors"])),
        (_("Trainings delivered"), str(o["trainings"])),
        (_("People trained"), str(o["people_trained"])),
        (_("Qualifications granted"), str(o["qualifications_granted"])),
        (_("Companies reached by events"), str(o["companies"])),
        (_("Companies served (customers)"), str(companies["active"])),
        (_("of which new companies"), str(companies["new"])),
        (_("Revenue excl. VAT"), euros(s["revenue_excl_vat_cents"])),
        (_("Revenue from companies"), euros(s["revenue_by_segment"].get("company", 0))),
        (_("Share of revenue from companies"), _pct(s["company_revenue_share"])),
        (_("Costs (machines and recorded costs)"), euros(s["costs_cents"])),
        (_("Cost recovery"), _pct(s["cost_recovery_ratio"])),
        (_("Grants received"), euros(s["grants_cents"])),
        (_("Partner organisations"), str(o["partner_organisations"])),
    ]


class _Report(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=7)
        self.cell(0, 5, pdf_text(f"{self.title_text} - {self.page_no()}"), align="C")

    def heading(self, text: str, size: int = 12) -> None:
        self.ln(2)
        self.set_font("helvetica", style="B", size=size)
        self.multi_cell(0, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def rows(self, head: list[str], rows: list[list[str]], widths: tuple) -> None:
        self.set_font("helvetica", size=8)
        align = ("LEFT",) + ("RIGHT",) * (len(head) - 1)
        with self.table(col_widths=widths, text_align=align) as table:
            for values in [head, *rows]:
                row = table.row()
                for value in values:
                    row.cell(pdf_text(value))


def _bars(pdf: _Report, items: list[tuple[str, int]]) -> None:
    """Revenue by segment as drawn bars (the same figures as the table above)."""
    top = max((v for _l, v in items), default=0) or 1
    pdf.set_font("helvetica", size=8)
    for index, (name, cents) in enumerate(items):
        y = pdf.get_y()
        pdf.cell(40, 6, pdf_text(name))
        pdf.set_fill_color(
            *[(30, 136, 229), (67, 160, 71), (251, 140, 0), (142, 36, 170)][index % 4]
        )
        pdf.rect(56, y + 1, max(0.5, 100 * max(cents, 0) / top), 4, style="F")
        pdf.set_x(160)
        pdf.cell(0, 6, pdf_text(euros(cents)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(255, 255, 255)  # tables drawn next must not inherit the bar colour


def _payback_table(pdf: _Report, payback: list[dict]) -> None:
    """Each machine against the cost its share of the grants did not pay."""
    pdf.heading(_("Machine payback"))
    pdf.rows(
        [
            _("Machine"),
            _("Cost"),
            _("Grants"),
            _("Cost not paid by a grant"),
            _("Earned since purchase"),
            _("Paid back"),
            _("Projected payback"),
        ],
        [
            [
                p["name"],
                euros(p["purchase_cost_cents"]),
                euros(p["grants_cents"]),
                euros(p["net_cost_cents"]),
                euros(p["revenue_since_purchase_cents"]),
                _pct(p["net_paid_back_ratio"]),
                _day(p["projected_net_payback_date"]),
            ]
            for p in payback
        ],
        (30, 20, 20, 22, 22, 15, 20),
    )
    pdf.set_font("helvetica", size=7)
    pdf.multi_cell(
        0,
        4,
        pdf_text(
            _("Paid back and projected payback are measured against the cost not paid by a grant.")
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )


def funder_pdf(s: dict, period: Period, lab_name: str, locale: str = "fr") -> bytes:
    """One A4 report: key figures, revenue by segment, outreach by kind, machine payback."""
    with force_locale(locale):
        title = _("%(lab)s - activity report", lab=lab_name)
        pdf = _Report(title)
        pdf.add_page()
        pdf.heading(title, size=16)
        when = _(
            "From %(start)s to %(end)s (included)",
            start=date_text(period.start),
            end=date_text(period.last_day),
        )
        pdf.set_font("helvetica", size=10)
        pdf.multi_cell(0, 5, pdf_text(when), new_x="LMARGIN", new_y="NEXT")
        pdf.heading(_("Key figures"))
        pdf.rows([_("Figure"), _("Value")], [list(pair) for pair in key_figures(s)], (70, 30))
        pdf.heading(_("Revenue by customer segment"))
        _bars(pdf, [(label(SEGMENT_LABELS, k), v) for k, v in s["revenue_by_segment"].items()])
        pdf.heading(_("Outreach by kind of event"))
        pdf.rows(
            [_("Kind"), _("Events"), _("People"), _("Companies"), _("First-time visitors")],
            [
                [
                    label(EVENT_KIND_LABELS, k),
                    str(v["events"]),
                    str(v["people"]),
                    str(v["companies"]),
                    str(v["first_time_visitors"]),
                ]
                for k, v in s["outreach"]["by_kind"].items()
            ],
            (40, 15, 15, 15, 20),
        )
        pdf.heading(_("Events held"))
        pdf.rows(
            [_("Date"), _("Event"), _("Kind"), _("Attendances")],
            [
                [
                    date_text(date.fromisoformat(e["start"][:10])),
                    e["title_en"] if locale == "en" else e["title_fr"],
                    label(EVENT_KIND_LABELS, e["kind"]),
                    str(e["attendances"]),
                ]
                for e in s["outreach"]["events_held"]
            ]
            or [["-", "-", "-", "-"]],
            (18, 50, 25, 15),
        )
        pdf.heading(_("Partner organisations"))
        pdf.rows(
            [_("Organisation"), _("Kind"), _("Town"), _("Events")],
            [
                [p["name"], partner_kind_label(p["kind"]), p["town"] or "-", str(p["events"])]
                for p in s["outreach"]["partners"]
            ]
            or [["-", "-", "-", "-"]],
            (50, 30, 30, 15),
        )
        _payback_table(pdf, s["payback"])
        return bytes(pdf.output())
