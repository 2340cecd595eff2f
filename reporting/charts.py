"""One chart definition for the page and the PDF: a Vega-Lite spec built with altair, rendered to
SVG on the server by vl-convert (no JavaScript, so it works under the strict CSP, and WeasyPrint
draws the same picture). Each SVG carries a <title> and <desc>; pages and PDFs put the data table
beside it. Rendered SVGs are cached by the snapshot's build time, so a page view rarely renders.
"""

import base64
import hashlib
import json
from xml.sax.saxutils import escape

import altair as alt
from django.core.cache import cache

BLUE = "#005eb8"
DARK = "#003087"
GREEN = "#00703c"
GREY = "#505a5f"
FONT = "Arial"

CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#0b0c0c", "titleColor": GREY,
             "gridColor": "#dddddd", "domainColor": GREY, "tickColor": GREY, "labelLimit": 260},
    "title": {"fontSize": 15, "anchor": "start", "color": "#0b0c0c", "offset": 12},
}


def _base(rows, title):
    return alt.Chart(alt.Data(values=rows)).properties(title=title)


def bar_spec(rows, *, category, value, title, value_title, width=440, colour=BLUE, percent=False):
    """Horizontal bars, largest first, each labelled with its figure."""
    fmt = ".0f" if percent else ",.0f"
    base = _base(rows, title).encode(
        y=alt.Y(f"{category}:N", sort="-x", title=None),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=fmt, tickCount=5),
                scale=alt.Scale(domain=[0, 100]) if percent else alt.Undefined),
    )
    bars = base.mark_bar(color=colour, height={"band": 0.7})
    labels = base.mark_text(align="left", dx=4, fontSize=12, color="#0b0c0c").encode(
        text=alt.Text(f"{value}:Q", format=fmt)
    )
    height = max(40, 26 * len(rows))
    spec = (bars + labels).properties(width=width, height=height).to_dict(validate=False)
    spec["config"] = CONFIG
    return spec


def trend_spec(rows, *, title, width=440):
    """£ per quarter as columns, the chosen quarter darker."""
    base = _base(rows, title).encode(
        x=alt.X("quarter:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title="£ social value (gross)", axis=alt.Axis(
            tickCount=5, labelExpr="'£' + replace(format(datum.value, '~s'), 'G', 'bn')")),
    )
    bars = base.mark_bar(width={"band": 0.7}).encode(
        color=alt.condition("datum.chosen", alt.value(DARK), alt.value(BLUE))
    )
    spec = bars.properties(width=width, height=180).to_dict(validate=False)
    spec["config"] = CONFIG
    return spec


def render_svg(spec, *, title, description):
    """The spec as an accessible SVG document (cached by the spec's content)."""
    key = "reporting:chart:" + hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        import vl_convert

        svg = vl_convert.vegalite_to_svg(spec)
        head, rest = svg.split(">", 1)
        svg = (
            f'{head} role="img" aria-labelledby="chart-title chart-desc">'
            f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>{rest}'
        )
        cache.set(key, svg, 60 * 60 * 24)
    return svg


def data_uri(svg):
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class Chart:
    """What a template needs: the image (as a data: URI), its title and its description."""

    def __init__(self, spec, title, description, svg=None):
        self.title = title
        self.description = description
        self.svg = svg if svg is not None else render_svg(spec, title=title, description=description)
        self.src = data_uri(self.svg)


def board_charts(board, width=440):
    """The board's charts, cached by the snapshot's build and the filters: a page view does not
    build specs again until the snapshot is rebuilt."""
    if board.snapshot is None:
        return {}
    key = (
        f"reporting:board-charts:{board.snapshot.pk}:{board.snapshot.built_at.timestamp()}:"
        f"{board.filters.scope}:{width}"
    )
    cached = cache.get(key)
    if cached is None:
        cached = {name: (c.title, c.description, c.svg) for name, c in _board_charts(board, width).items()}
        cache.set(key, cached, 60 * 60 * 24)
    return {name: Chart(None, title, description, svg) for name, (title, description, svg) in cached.items()}


def money_description(rows, category, value, lead):
    parts = [f"{r[category]}: £{r[value]:,.0f}" for r in rows]
    return f"{lead}. " + ("; ".join(parts) if parts else "No figures yet.")


def _board_charts(board, width):
    """The dashboard's charts, the same for the page and the PDFs."""
    charts = {}
    trend = [{"quarter": p["quarter"], "value": p["value"], "chosen": p["chosen"]} for p in board.trend]
    if trend:
        title = "Social value by quarter (£, gross)"
        charts["trend"] = Chart(trend_spec(trend, title=title, width=width), title,
                                money_description(trend, "quarter", "value", "Column chart of £ social value per quarter"))
    themes = [{"theme": t["name"], "value": float(t["value_gross"])} for t in board.themes if t["value_gross"]]
    if themes:
        title = "Social value by theme (£, gross)"
        charts["themes"] = Chart(
            bar_spec(themes, category="theme", value="value", title=title, value_title="£", width=width),
            title, money_description(themes, "theme", "value", "Bar chart of £ social value by theme"),
        )
    places = [{"place": str(label), "value": float(g.value_gross or 0)} for label, g in board.places if g.value_gross]
    if places:
        title = "Social value by place (£, gross)"
        charts["places"] = Chart(
            bar_spec(places, category="place", value="value", title=title, value_title="£", width=width),
            title, money_description(places, "place", "value", "Bar chart of £ social value by place"),
        )
    rates = [
        {"place": str(label), "rate": round(100 * g.received / g.expected)} for label, g in board.places if g.expected
    ]
    if rates:
        title = "Reporting rate by place (% of returns expected)"
        description = "Bar chart of returns received as a percentage of those expected, by place. " + "; ".join(
            f"{r['place']}: {r['rate']}%" for r in rates
        )
        charts["rates"] = Chart(
            bar_spec(rates, category="place", value="rate", title=title, value_title="% received", width=width,
                     colour=GREEN, percent=True),
            title, description,
        )
    return charts
