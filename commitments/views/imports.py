"""Importing contracts and their commitments from a spreadsheet (thin: the work is in
``commitments.spreadsheets.contracts``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from charter.selectors import organisations_commissioned_for
from commitments.spreadsheets import contracts as importer
from common.spreadsheets import SpreadsheetError, problem_count
from toms.forms import SpreadsheetUploadForm


def _require_commissioner(user):
    if not organisations_commissioned_for(user).exists():
        raise PermissionDenied("Only commissioners of a public sector body can import contracts.")


@login_required
@require_http_methods(["GET", "POST"])
def contract_import(request):
    _require_commissioner(request.user)
    row_errors, status = [], 200
    if request.method == "POST":
        form = SpreadsheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = importer.import_contracts(request.user, form.cleaned_data["file"])
            except importer.ContractImportError as exc:
                row_errors = exc.errors
                form.add_error("file", f"The file has {problem_count(len(row_errors))}; nothing was imported.")
            except SpreadsheetError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, f"Contracts imported: {result.summary()}.")
                return redirect("commitments:contract-list")
        status = 400
    else:
        form = SpreadsheetUploadForm()
    context = {
        "form": form,
        "row_errors": row_errors,
        "columns": [(column, importer.COLUMN_HELP[column]) for column in importer.COLUMNS],
        "organisations": organisations_commissioned_for(request.user).order_by("name"),
    }
    return render(request, "commitments/spreadsheets/contract_import.html", context, status=status)


@login_required
@require_GET
def contract_import_template(request):
    _require_commissioner(request.user)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="contracts-template.xlsx"'
    importer.contract_import_template().save(response)
    return response
