"""CSV and XLSX files of the dashboard's tables (reporting.tables), cells escaped so a
spreadsheet never runs them as formulas."""

import csv
import io
from decimal import Decimal

from django.http import HttpResponse

from common.spreadsheets import escape_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _value(value):
    if isinstance(value, Decimal):
        return value
    return escape_cell(value) if isinstance(value, str) else value


def csv_response(table, filename, preamble=()):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    for line in preamble:
        writer.writerow([f"# {line}"])
    writer.writerow(table.headers)
    for row in table.value_rows:
        writer.writerow(["" if v is None else _value(v) for v in row])
    return response


def xlsx_response(table, filename, preamble=()):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.caption[:31]
    for line in preamble:
        sheet.append([line])
    sheet.append(table.headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in table.value_rows:
        sheet.append([float(v) if isinstance(v, Decimal) else _value(v) for v in row])
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column[len(preamble):]) + 2
        sheet.column_dimensions[column[0].column_letter].width = min(60, width)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
