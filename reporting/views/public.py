"""The public summary: the latest published quarter's system-wide figures, by theme and place,
with the method note and the case studies their organisations agreed to publish; and the same
figures as open data (CSV and JSON) under the Open Government Licence. No sign-in."""

import csv
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from common.spreadsheets import escape_cell
from reporting import charts, selectors, tables

LICENCE = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)


def _board():
    return selectors.dashboard(selectors.Filters(), published_only=True, case_studies_public=True)


def summary(request):
    board = _board()
    context = {"board": board, "charts": charts.board_charts(board) if board.snapshot else {}, "public": True}
    if board.snapshot:
        context["tables"] = tables.all_tables(board)
    return render(request, "reporting/public.html", context)


def _open_rows(board):
    rows = []
    for row in board.measures:
        m, f = row.measure, row.figure
        rows.append({
            "quarter": str(board.snapshot.period), "breakdown": "measure", "code": m.code, "name": m.title,
            "combination": m.combination, "quantity": f.quantity if m.combination == "summed" else None,
            "median": f.median, "low": f.low, "high": f.high, "yes": f.yes_count if m.combination == "yes_no" else None,
            "reporting_organisations": f.reporters, "value_gross_gbp": f.value_gross, "value_adjusted_gbp": f.value_adjusted,
        })
    for entry in board.themes:
        rows.append({"quarter": str(board.snapshot.period), "breakdown": "theme", "code": "", "name": entry["name"],
                     "value_gross_gbp": entry["value_gross"], "value_adjusted_gbp": entry["value_adjusted"]})
    for label, g in board.places:
        rows.append({"quarter": str(board.snapshot.period), "breakdown": "place", "code": "", "name": str(label),
                     "reporting_organisations": g.organisations, "value_gross_gbp": g.value_gross,
                     "value_adjusted_gbp": g.value_adjusted})
    return rows


FIELDS = ["quarter", "breakdown", "code", "name", "combination", "quantity", "median", "low", "high", "yes",
          "reporting_organisations", "value_gross_gbp", "value_adjusted_gbp"]


def open_data_csv(request):
    board = _board()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cheshire-merseyside-social-value.csv"'
    writer = csv.writer(response)
    writer.writerow([f"# {LICENCE}"])
    writer.writerow(FIELDS)
    if board.snapshot:
        for row in _open_rows(board):
            writer.writerow([escape_cell(row.get(f)) if isinstance(row.get(f), str) else
                             ("" if row.get(f) is None else row.get(f)) for f in FIELDS])
    return response


def open_data_json(request):
    board = _board()
    payload = {
        "licence": LICENCE,
        "publisher": "NHS Cheshire and Merseyside",
        "generated_at": timezone.now().isoformat(),
        "quarter": str(board.snapshot.period) if board.snapshot else None,
        "snapshot_built_at": board.snapshot.built_at.isoformat() if board.snapshot else None,
        "approved_returns": board.snapshot.returns_count if board.snapshot else 0,
        "note": "£ figures are estimates made with proxy values; percentages are medians across the "
                "organisations that reported; yes/no measures count the organisations that said yes.",
        "figures": [
            {k: (str(v) if hasattr(v, "quantize") else v) for k, v in row.items()} for row in _open_rows(board)
        ] if board.snapshot else [],
    }
    response = HttpResponse(json.dumps(payload, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="cheshire-merseyside-social-value.json"'
    return response
