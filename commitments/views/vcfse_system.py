"""The ICB's system view of the Partner VCFSE commitment, with CSV and XLSX exports."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from openpyxl import Workbook
from openpyxl.styles import Font

from charter.access import icb_required
from commitments.forms.returns import format_amount
from commitments.vcfse_progress import COUNTING_RULE, system_view
from common.spreadsheets import escape_cell
from toms.periods import financial_year_label, financial_year_of


def _year(request):
    current = financial_year_of(dt.date.today())
    try:
        year = int(request.GET.get("year", current))
    except ValueError:
        year = current
    return year if 2015 <= year <= current + 5 else current


@icb_required
def system(request):
    year = _year(request)
    view = system_view(year)
    current = financial_year_of(dt.date.today())
    for row in view["measures"]:
        m = row["measure"]
        row["shown"] = {
            k: format_amount(m, v)
            for k, v in {
                "baseline": row["baseline"], "target": row["target"], "counted": row["delivery"].counted,
                "confirmed": row["delivery"].confirmed, "unconfirmed": row["delivery"].unconfirmed,
                "disputed": row["delivery"].disputed, "unnamed": row["delivery"].unnamed,
                "outside": row["delivery"].outside,
            }.items()
        }
    context = {
        **view,
        "years": [(y, financial_year_label(y)) for y in range(current, current - 6, -1)],
        "counting_rule": COUNTING_RULE,
        "committed_total": len(view["committed"]),
    }
    return render(request, "commitments/vcfse/system.html", context)


def _tidy(value):
    """Figures to the penny (or hundredth of an hour), as numbers."""
    return value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value


def export_rows(view):
    """The system view as (section, label, figures...) rows, for CSV and XLSX alike."""
    rows = [["section", "item", "value", "detail"]]
    rows.append(["summary", "financial year", view["year_label"], ""])
    rows.append(["summary", "organisations committed", len(view["committed"]), ""])
    rows.append(["summary", "charter signatories not committed", len(view["signed_not_committed"]), ""])
    for label, n in view["by_sector"]:
        rows.append(["committed by sector", label, n, ""])
    for label, n in view["by_place"]:
        rows.append(["committed by place", label, n, ""])
    for row in view["measures"]:
        d, code = row["delivery"], row["measure"].code
        rows.append([f"{code} ({row['measure'].unit})", "sum of baselines", row["baseline"], f"{row['baselines']} organisations"])
        rows.append([f"{code} ({row['measure'].unit})", "sum of targets", row["target"], f"{row['targets']} organisations"])
        rows.append([f"{code} ({row['measure'].unit})", "delivered in C&M (counted)", d.counted, ""])
        rows.append([f"{code} ({row['measure'].unit})", "percent of target", row["percent"] if row["percent"] is not None else "", ""])
        rows.append([f"{code} ({row['measure'].unit})", "confirmed by recipients", d.confirmed, ""])
        rows.append([f"{code} ({row['measure'].unit})", "not yet confirmed", d.unconfirmed, ""])
        rows.append([f"{code} ({row['measure'].unit})", "disputed", d.disputed, ""])
        rows.append([f"{code} ({row['measure'].unit})", "no recipient named", d.unnamed, ""])
        rows.append([f"{code} ({row['measure'].unit})", "recipients outside C&M (not counted)", d.outside, ""])
    for place, recipients in view["top_recipients"]:
        for r in recipients:
            rows.append([f"top recipients: {place}", r["name"], r["pounds"], f"{_tidy(r['hours'])} hours"])
    for org in view["not_reported"]:
        rows.append(["committed, not reported this year", org.name, "", org.get_place_display()])
    for b in view["differing_baselines"]:
        rows.append([
            "baseline differs from approved returns", f"{b.commitment.organisation.name} {b.measure.code}", b.value,
            f"returns: {_tidy(b.proposed)}; why: {b.reason}",
        ])
    for org in view["signed_not_committed"]:
        rows.append(["signed the charter, not committed", org.name, "", org.get_place_display()])
    return [[_tidy(v) for v in row] for row in rows]


def _filename(view, ext):
    return f"partner-vcfse-{view['year_label'].replace('/', '-')}.{ext}"


@icb_required
def system_csv(request):
    view = system_view(_year(request))
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_rows(view):
        writer.writerow([escape_cell(str(v)) for v in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(view, "csv")}"'
    return response


@icb_required
def system_xlsx(request):
    view = system_view(_year(request))
    book = Workbook()
    sheet = book.active
    sheet.title = "Partner VCFSE"
    for row in export_rows(view):
        sheet.append([escape_cell(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCD", (36, 44, 18, 24), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(view, "xlsx")}"'
    return response
