"""Progress against commitments as a self-contained SVG: one bar a measure, delivered to date as
a percentage of what was committed. Server-rendered, with no scripts, styles or fonts to fetch,
so the same SVG works in a page (<img>), in a PDF (WeasyPrint) and under a strict CSP; the text
is in <title> and <desc> for people who cannot see it, and pages put the data table beside it.
"""

import math
from decimal import Decimal
from xml.sax.saxutils import escape

from commitments.forms.returns import format_amount as amount

FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"
BLUE = "#005eb8"  # delivered
TRACK = "#f3f2f1"  # committed (100%)
INK = "#0b0c0c"
GREY = "#505a5f"
GRID = "#b1b4b6"


def percent_of(delivered, committed):
    """Delivered as a whole-number percentage of committed (not capped), or None."""
    if not committed:
        return None
    return int((Decimal(delivered) / Decimal(committed) * 100).to_integral_value())


def describe(row):
    pct = percent_of(row.delivered, row.committed)
    if row.committed is None:
        return f"{row.measure.code}: {amount(row.measure, row.delivered)} delivered, with no commitment"
    return (
        f"{row.measure.code}: {amount(row.measure, row.delivered)} delivered of "
        f"{amount(row.measure, row.committed)} committed ({pct if pct is not None else 0}%)"
    )


def progress_summary(rows):
    """One sentence for an alt text."""
    committed = [r for r in rows if r.committed]
    if not committed:
        return "Chart: no commitments recorded yet."
    met = sum(1 for r in committed if r.delivered >= r.committed)
    return (
        f"Bar chart of delivery against {len(committed)} commitment{'s' if len(committed) != 1 else ''}: "
        f"{met} met so far. The table beside it gives the figures."
    )


def _bar_label(row):
    pct = percent_of(row.delivered, row.committed) or 0
    return f"{amount(row.measure, row.delivered)} of {amount(row.measure, row.committed)} ({pct}%)"


def _scale_max(rows):
    highest = max((percent_of(r.delivered, r.committed) or 0 for r in rows), default=0)
    if highest <= 100:
        return 100
    return min(300, math.ceil(highest / 50.0) * 50)


def progress_svg(rows, *, title="Progress against commitments", width=440):
    """The chart as an SVG document (a str). ``rows`` are commitments.selectors.MeasureProgress.

    Each commitment is a row: its code and figures on one line, and under them a bar on a
    percentage scale, the committed quantity being 100%. Labels sit above the bars, so the chart
    stays legible when it is drawn narrow beside its table.
    """
    charted = [r for r in rows if r.committed]
    others = [r for r in rows if not r.committed]
    pad, top, row_h, bar_h = 12, 70, 46, 14
    plot_w = width - 2 * pad - 14  # room for the last scale label
    scale = _scale_max(charted)
    body_h = max(1, len(charted)) * row_h
    notes_h = 22 * len(others) + 30 if others else 0
    height = top + body_h + 28 + notes_h
    desc = "; ".join(describe(r) for r in rows) or "No commitments recorded yet."

    def x(pct):
        return pad + plot_w * min(pct, scale) / scale

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}" font-size="14" fill="{INK}">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{pad}" y="24" font-size="16" font-weight="700">{escape(title)}</text>',
        # Legend
        f'<rect x="{pad}" y="36" width="14" height="14" fill="{BLUE}"/>',
        f'<text x="{pad + 20}" y="48">Delivered (approved returns)</text>',
        f'<rect x="{pad + 230}" y="36" width="14" height="14" fill="{TRACK}" stroke="{GREY}"/>',
        f'<text x="{pad + 250}" y="48">Committed = 100%</text>',
    ]
    if not charted:
        out.append(f'<text x="{pad}" y="{top + 22}" fill="{GREY}">No commitments recorded yet.</text>')
    else:
        step = 25 if scale <= 100 else 50
        axis_y = top + body_h
        for pct in range(0, scale + 1, step):
            gx = x(pct)
            colour, dash = (INK, "") if pct == 100 else (GRID, ' stroke-dasharray="3 3"')
            out.append(f'<line x1="{gx:.1f}" y1="{top + 6}" x2="{gx:.1f}" y2="{axis_y}" stroke="{colour}"{dash}/>')
            anchor = "start" if pct == 0 else "middle"
            out.append(f'<text x="{gx:.1f}" y="{axis_y + 18}" text-anchor="{anchor}" fill="{GREY}">{pct}%</text>')
        for i, row in enumerate(charted):
            y = top + i * row_h
            pct = percent_of(row.delivered, row.committed) or 0
            figures = _bar_label(row) + (" ▶" if pct > scale else "")
            out.append(
                f'<text x="{pad}" y="{y + 20}"><tspan font-weight="700">{escape(row.measure.code)}</tspan>'
                f" {escape(figures)}</text>"
            )
            bar_y = y + 27
            out.append(
                f'<rect x="{pad}" y="{bar_y}" width="{x(100) - pad:.1f}" height="{bar_h}" '
                f'fill="{TRACK}" stroke="{GREY}"/>'
            )
            if pct > 0:
                out.append(
                    f'<rect x="{pad}" y="{bar_y}" width="{max(x(pct) - pad, 2):.1f}" height="{bar_h}" fill="{BLUE}"/>'
                )
    if others:
        y = top + body_h + 56
        out.append(f'<text x="{pad}" y="{y}" font-weight="700">Delivered without a commitment</text>')
        for j, row in enumerate(others, start=1):
            out.append(
                f'<text x="{pad}" y="{y + 22 * j}">{escape(row.measure.code)}: '
                f"{escape(amount(row.measure, row.delivered))}</text>"
            )
    out.append("</svg>")
    return "\n".join(out)
