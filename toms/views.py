"""The browsable catalogue of the framework: themes, outcomes and measures."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from charter.access import icb_admin_required
from common.spreadsheets import SpreadsheetError, problem_count
from toms.forms import SpreadsheetUploadForm
from toms.models import Measure, Outcome, ProxyValue
from toms.proxy_import import COLUMNS, ProxyImportError, import_proxy_values, proxy_value_template_rows
from toms.selectors import framework_tree, get_measure, search_measures


def framework(request):
    themes = framework_tree()
    query = " ".join(request.GET.get("q", "").split())[:100]
    context = {
        "query": query,
        "results": search_measures(query) if query else None,
        "themes": themes,
        "measure_count": Measure.objects.active().count(),
        "outcome_count": Outcome.objects.count(),
        "vcfse_measures": Measure.objects.active().partner_vcfse().order_by("code"),
        "review_count": Measure.objects.active().filter(needs_review=True).count(),
    }
    return render(request, "toms/framework.html", context)


def measure_detail(request, code):
    measure = get_measure(code)
    context = {
        "measure": measure,
        "proxy_values": measure.proxy_values.order_by("-financial_year"),
    }
    return render(request, "toms/measure_detail.html", context)


@icb_admin_required
def proxy_value_import(request):
    """The ICB loads its licensed proxy values (£ per unit, by year, with a source)."""
    errors, result = [], None
    if request.method == "POST":
        form = SpreadsheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = import_proxy_values(form.cleaned_data["file"])
            except SpreadsheetError as exc:
                form.add_error("file", str(exc))
            except ProxyImportError as exc:
                errors = exc.errors
                form.add_error("file", f"The file has {problem_count(len(errors))}; nothing was imported.")
            else:
                if result.created or result.updated:
                    text = (
                        f"Proxy values imported: {result.created} added, {result.updated} updated, "
                        f"{result.unchanged} unchanged."
                    )
                else:
                    text = f"Proxy values imported: nothing changed ({result.unchanged} already as in the file)."
                messages.success(request, text)
                return redirect("toms:proxy-value-import")
    else:
        form = SpreadsheetUploadForm()
    context = {
        "form": form,
        "row_errors": errors,
        "columns": COLUMNS,
        "proxy_value_count": ProxyValue.objects.count(),
        "measures_without_value": Measure.objects.active().filter(proxy_values__isnull=True).count(),
    }
    return render(request, "toms/proxy_value_import.html", context, status=400 if request.method == "POST" else 200)


@icb_admin_required
def proxy_value_template(request):
    """An XLSX of every measure with its latest proxy value, to fill in and upload."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Proxy values"
    sheet.append([*COLUMNS, "unit (for reference)", "measure (for reference)"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in proxy_value_template_rows():
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEF", (14, 15, 15, 40, 12, 80), strict=True):
        sheet.column_dimensions[column].width = width
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="proxy-values-template.xlsx"'
    book.save(response)
    return response
