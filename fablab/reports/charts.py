"""Charts drawn on the server as inline SVG: nothing to download, readable without JavaScript,
printable, and the same figures as the table beside each chart."""

from __future__ import annotations

from fractions import Fraction

from markupsafe import Markup, escape

from fablab.reports.money import round_cents

PALETTE = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#e53935", "#00897b", "#6d4c41"]


def _money(cents: int) -> str:
    """Whole euros for a chart's labels (rounded half up, exactly): 123456 -> '1 235 €'."""
    return f"{round_cents(Fraction(int(cents), 100)):,} €".replace(",", "\u202f")


def bars(
    items: list[tuple[str, float]], *, title: str, money: bool = True, width: int = 640
) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest."""
    row, label_w = 26, min(200, int(width * 0.4))
    top = max((value for _, value in items), default=0) or 1
    height = row * max(len(items), 1) + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">'
    ]
    for index, (label, value) in enumerate(items):
        y = index * row + 4
        length = max(0.0, value) / top * (width - label_w - 110)
        text = _money(int(value)) if money else f"{value:g}"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="label">'
            f"{escape(label[: label_w // 7])}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[index % len(PALETTE)]}" rx="3"><title>{escape(label)}: {text}'
            f"</title></rect>"
            f'<text x="{label_w + length + 6:.1f}" y="{y + 17}" class="value">{text}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part went through escape)


def stacked_columns(
    months: list[dict], series: list[tuple[str, str]], *, title: str, line_key: str | None = None
) -> Markup:
    """Columns per month stacked by series (key, label), with an optional dotted line."""
    width, height, left, bottom = 640, 240, 60, 40
    count = max(len(months), 1)
    slot = (width - left - 10) / count
    totals = [sum(m["by_segment"].get(key, 0) for key, _ in series) for m in months]
    lines = [m.get(line_key, 0) for m in months] if line_key else []
    top = max([*totals, *lines, 1])
    scale = (height - bottom - 10) / top
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f'<text x="4" y="14" class="axis">{_money(top)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'class="axis-line"/>',
    ]
    for index, month in enumerate(months):
        x = left + index * slot + slot * 0.15
        y = height - bottom
        for s_index, (key, label) in enumerate(series):
            value = month["by_segment"].get(key, 0)
            h = max(0, value) * scale
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s_index % len(PALETTE)]}"><title>{escape(month["month"])} · '
                f"{escape(label)}: {_money(value)}</title></rect>"
            )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'class="axis">{escape(month["month"][2:])}</text>'
        )
    if line_key and months:
        points = " ".join(
            f"{left + i * slot + slot / 2:.1f},{height - bottom - v * scale:.1f}"
            for i, v in enumerate(lines)
        )
        parts.append(f'<polyline points="{points}" class="cash-line"/>')
    legend_x = left
    for s_index, (_key, label) in enumerate(series):
        parts.append(
            f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" '
            f'fill="{PALETTE[s_index % len(PALETTE)]}"/>'
            f'<text x="{legend_x + 14}" y="{height - 5}" class="axis">{escape(label)}</text>'
        )
        legend_x += 16 + 8 * len(str(label)) + 10
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part went through escape)


def heat_colour(value: float, top: float) -> str:
    """A blue whose strength follows the value (white for nothing)."""
    if top <= 0 or value <= 0:
        return "transparent"
    strength = 0.12 + 0.88 * value / top
    return f"rgba(30, 136, 229, {strength:.2f})"
