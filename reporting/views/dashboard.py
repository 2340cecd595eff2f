"""The ICB dashboard: a quarter's system-wide figures from its snapshot, filtered in the URL,
with a chart and a table for each view of the data, and each table as CSV and XLSX."""

from django.http import Http404
from django.shortcuts import render

from charter.access import icb_required
from reporting import charts, exports, selectors, tables
from reporting.forms import DashboardFilterForm
from reporting.models import BuildStatus, SnapshotBuild


def filter_errors(form):
    """(field name, message) for each filter that was not used, naming the filter."""
    if not form.is_bound:
        return []
    return [
        (name, f"{form.fields[name].label or name.title()}: that choice is not offered, so it was not used. "
               "Choose one from the list.")
        for name in form.errors
    ]


def showing(form, filters):
    parts = []
    for name, value in (("place", filters.place), ("sector", filters.sector), ("commissioner", filters.commissioner)):
        if value and name in form.fields:
            label = {str(k): v for k, v in form.fields[name].choices}.get(str(value))
            parts.append(f"contracts commissioned by {label}" if name == "commissioner" else str(label))
    return ", ".join(parts)


def board_for(request, **kwargs):
    snapshots = selectors.snapshots_built()
    form = DashboardFilterForm(request.GET or None, snapshots=snapshots)
    if request.GET:
        form.is_valid()
    filters = form.filters()
    return form, selectors.dashboard(filters, **kwargs)


@icb_required
def dashboard(request):
    form, board = board_for(request)
    context = {
        "form": form,
        "filter_errors": filter_errors(form),
        "showing": showing(form, board.filters),
        "board": board,
        "tables": tables.all_tables(board),
        "charts": charts.board_charts(board),
        "query": request.GET.urlencode(),
        "running": SnapshotBuild.objects.filter(status__in=[BuildStatus.QUEUED, BuildStatus.RUNNING]).first(),
    }
    return render(request, "reporting/dashboard.html", context)


@icb_required
def export(request, slug, fmt):
    _form, board = board_for(request)
    table = tables.all_tables(board).get(slug)
    if table is None or fmt not in {"csv", "xlsx"} or board.snapshot is None:
        raise Http404("No such table.")
    name = f"social-value-{board.snapshot.year}-q{board.snapshot.quarter}-{slug}"
    preamble = [f"{table.caption}, {board.snapshot.period}; snapshot built {board.snapshot.built_at:%d %B %Y %H:%M}"]
    maker = exports.csv_response if fmt == "csv" else exports.xlsx_response
    return maker(table, name, preamble)
