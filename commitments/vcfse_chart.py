"""The Partner VCFSE trend as a self-contained SVG: a column a quarter (counted delivery from
approved returns), grouped by financial year, with each year's target shown as its quarterly pace
(a quarter of the year's target). No scripts, styles or fonts to fetch; pages show the data table
beside it."""

from decimal import Decimal
from xml.sax.saxutils import escape

from commitments.forms.returns import format_amount as amount

FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"
BLUE, INK, GREY, GRID, ORANGE = "#005eb8", "#0b0c0c", "#505a5f", "#b1b4b6", "#d4351c"


def trend_svg(measure_rows, *, width=640):
    measure, years = measure_rows.measure, measure_rows.years
    pad, top, bottom, left = 12, 64, 48, 70
    height = 300
    plot_w, plot_h = width - left - pad, height - top - bottom
    paces = [(r.target / 4) for r in years if r.target is not None]
    values = [v for r in years for v in r.delivery.quarters.values()] + paces
    highest = max([Decimal(1), *values])
    slot = plot_w / max(1, len(years) * 4)
    desc_parts = []
    for r in years:
        quarters = ", ".join(f"Q{q} {amount(measure, r.delivery.quarters.get(q, 0))}" for q in sorted(r.delivery.quarters))
        target = f"; target {amount(measure, r.target)}" if r.target is not None else ""
        desc_parts.append(f"{r.label}: {quarters or 'nothing reported'}{target}")
    title = f"{measure.code} delivered each quarter against the target's quarterly pace"

    def y(value):
        return top + plot_h - float(Decimal(value) / highest) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="trend-title-{measure.code} trend-desc-{measure.code}" font-family="{FONT}" '
        f'font-size="13" fill="{INK}">',
        f'<title id="trend-title-{measure.code}">{escape(title)}</title>',
        f'<desc id="trend-desc-{measure.code}">{escape("; ".join(desc_parts))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{pad}" y="22" font-size="15" font-weight="700">{escape(title)}</text>',
        f'<rect x="{pad}" y="34" width="12" height="12" fill="{BLUE}"/>',
        f'<text x="{pad + 18}" y="45">Counted delivery (approved returns)</text>',
        f'<line x1="{pad + 280}" y1="40" x2="{pad + 304}" y2="40" stroke="{ORANGE}" stroke-width="3"/>',
        f'<text x="{pad + 310}" y="45">Target ÷ 4</text>',
    ]
    for frac in (0, 0.5, 1):
        value = highest * Decimal(str(frac))
        gy = y(value)
        out.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{width - pad}" y2="{gy:.1f}" stroke="{GRID}" stroke-dasharray="3 3"/>')
        out.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="{GREY}">{escape(amount(measure, value.quantize(Decimal(1))))}</text>')
    for i, r in enumerate(years):
        x0 = left + i * 4 * slot
        for q in range(1, 5):
            value = r.delivery.quarters.get(q)
            if value:
                bx = x0 + (q - 1) * slot + slot * 0.15
                by = y(max(value, Decimal(0)))
                out.append(
                    f'<rect x="{bx:.1f}" y="{by:.1f}" width="{slot * 0.7:.1f}" height="{top + plot_h - by:.1f}" fill="{BLUE}"/>'
                )
            out.append(
                f'<text x="{x0 + (q - 0.5) * slot:.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="{GREY}" '
                f'font-size="11">Q{q}</text>'
            )
        if r.target is not None:
            ty = y(r.target / 4)
            out.append(f'<line x1="{x0:.1f}" y1="{ty:.1f}" x2="{x0 + 4 * slot:.1f}" y2="{ty:.1f}" stroke="{ORANGE}" stroke-width="3"/>')
        label = r.label + (" (baseline)" if r.is_baseline else "")
        out.append(f'<text x="{x0 + 2 * slot:.1f}" y="{top + plot_h + 32}" text-anchor="middle">{escape(label)}</text>')
        if i:
            out.append(f'<line x1="{x0:.1f}" y1="{top}" x2="{x0:.1f}" y2="{top + plot_h}" stroke="{GRID}"/>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - pad}" y2="{top + plot_h}" stroke="{INK}"/>')
    out.append("</svg>")
    return "\n".join(out)
