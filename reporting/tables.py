"""The dashboard's tables, defined once: the page, the PDF, the CSV and the XLSX exports all
read them. Each cell is a value for the files and a text for people."""

from dataclasses import dataclass, field
from decimal import Decimal

from toms.models import Combination


def money(value):
    return "–" if value is None else f"£{Decimal(value):,.0f}"


def percent(value):
    return "–" if value is None else f"{value}%"


@dataclass
class Table:
    slug: str
    caption: str
    headers: list
    rows: list = field(default_factory=list)  # lists of (value, text)
    numeric: list = field(default_factory=list)  # column indexes aligned right

    def add(self, *cells):
        self.rows.append([c if isinstance(c, tuple) else (c, "" if c is None else str(c)) for c in cells])

    @property
    def text_rows(self):
        return [[text for _, text in row] for row in self.rows]

    @property
    def value_rows(self):
        return [[value for value, _ in row] for row in self.rows]


def _m(value):
    return (value, money(value))


def _rate(received, expected):
    pct = round(100 * received / expected) if expected else None
    return (pct, percent(pct))


def measure_table(board):
    t = Table("measures", "By measure", ["Code", "Measure", "Figure", "How it combines", "Reporting organisations",
                                         "£ gross", "£ adjusted"], numeric=[4, 5, 6])
    for row in board.measures:
        m, f = row.measure, row.figure
        if m.combination == Combination.SHARE:
            value = f.median
        elif m.combination == Combination.YES_NO:
            value = f.yes_count
        else:
            value = f.quantity
        t.add(m.code, m.title, (value, row.shown), m.get_combination_display().split(" (")[0], f.reporters,
              _m(f.value_gross), _m(f.value_adjusted))
    return t


def theme_table(board, outcomes=False):
    t = Table("outcomes" if outcomes else "themes", "By outcome" if outcomes else "By theme",
              ["Outcome" if outcomes else "Theme", "Measures reported", "£ gross", "£ adjusted"], numeric=[1, 2, 3])
    for entry in board.outcomes if outcomes else board.themes:
        t.add(entry["name"], entry["measures"], _m(entry["value_gross"]), _m(entry["value_adjusted"]))
    return t


def group_table(slug, caption, first, pairs):
    t = Table(slug, caption, [first, "Organisations reporting", "Approved returns", "£ gross", "£ adjusted",
                              "Returns expected", "Received", "Reporting rate", "On time"], numeric=list(range(1, 9)))
    for label, g in pairs:
        t.add(str(label), g.organisations, g.returns, _m(g.value_gross), _m(g.value_adjusted), g.expected,
              g.received, _rate(g.received, g.expected), _rate(g.on_time, g.expected))
    return t


def missing_table(board):
    t = Table("overdue", "Returns not received", ["Contract", "Supplier", "Commissioner to ask", "Place"])
    for row in board.missing:
        t.add(row.contract.reference, row.supplier.name, row.commissioner.name, row.supplier.get_place_display())
    return t


def contract_table(board):
    t = Table("contracts", "Contracts contributing most", ["Contract", "Supplier", "Commissioner", "£ gross",
                                                           "£ adjusted"], numeric=[3, 4])
    for row in board.contracts:
        c = row.contract
        t.add(f"{c.reference}: {c.title}", c.supplier.name, c.commissioner.name, _m(row.value_gross),
              _m(row.value_adjusted))
    return t


def trend_table(board):
    t = Table("trend", "Quarter by quarter", ["Quarter", "Approved returns", "£ gross", "£ adjusted"],
              numeric=[1, 2, 3])
    for point in board.trend:
        g = point["group"]
        t.add(point["quarter"], g.returns, _m(g.value_gross), _m(g.value_adjusted))
    return t


def vcfse_table(board):
    from toms.quantities import format_amount

    year = board.snapshot.period.financial_year_label if board.snapshot else ""
    t = Table("vcfse", "Partner VCFSE: delivered against targets", [
        "Measure", "Organisations with the commitment reporting", "Delivered in the quarter",
        f"Delivered in {year} so far", f"{year} targets", "% of target", "Confirmed by recipients",
        "Not yet confirmed", "Disputed"], numeric=list(range(1, 9)))
    for row in board.vcfse:
        m = row.measure

        def q(value, m=m):
            return (value, format_amount(m, value))

        t.add(f"{m.code} {m.title}", row.organisations, q(row.delivered), q(row.year_to_date), q(row.year_target),
              (row.percent_of_target, percent(row.percent_of_target)), q(row.confirmed), q(row.unconfirmed),
              q(row.disputed))
    return t


def all_tables(board):
    tables = [
        trend_table(board),
        theme_table(board),
        theme_table(board, outcomes=True),
        measure_table(board),
        group_table("places", "By place", "Place", board.places),
        group_table("sectors", "By sector", "Sector", board.sectors),
        group_table("commissioners", "Reporting rate by commissioner", "Commissioner",
                    [(o.name, g) for o, g in board.commissioners]),
        contract_table(board),
        missing_table(board),
        vcfse_table(board),
    ]
    return {t.slug: t for t in tables}
