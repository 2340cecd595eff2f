"""Spreadsheet pages for quarterly returns: the pre-filled template, its upload, the CSV export,
and the bulk upload of many contracts' and quarters' returns in one file. Thin: the work is in
``commitments.spreadsheets.returns``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from charter.models import Organisation
from charter.selectors import organisations_reported_for
from commitments.models import Return
from commitments.services.returns import ReturnError, StaleReturnError, can_report
from commitments.spreadsheets import bulk
from commitments.spreadsheets import returns as sheets
from common.spreadsheets import SpreadsheetError, problem_count
from toms.forms import SpreadsheetUploadForm
from toms.periods import Quarter


class ReturnUploadForm(SpreadsheetUploadForm):
    revision = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "The page is missing the return's revision; open the upload page from the return again.",
            "invalid": "The page is missing the return's revision; open the upload page from the return again.",
        },
    )


class BulkUploadForm(SpreadsheetUploadForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        empty_label=None,
        label="Organisation",
        help_text="The supplier whose returns the file holds.",
    )
    field_order = ["organisation", "file"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk


def _get_return(request, pk):
    """The return, if this person may see it at all (404 otherwise, as for a missing one)."""
    try:
        return Return.objects.for_user(request.user).select_related("organisation", "contract").get(pk=pk)
    except Return.DoesNotExist:
        raise Http404("No such return.") from None


def _xlsx_response(book, filename):
    response = HttpResponse(content_type=sheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    book.save(response)
    return response


@login_required
@require_GET
def return_template(request, pk):
    """The return as an XLSX to fill in: committed measures first, current figures pre-filled."""
    ret = _get_return(request, pk)
    return _xlsx_response(sheets.return_template(ret), sheets.template_filename(ret))


@login_required
@require_GET
def return_export_csv(request, pk):
    ret = _get_return(request, pk)
    response = HttpResponse(sheets.return_csv(ret), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{sheets.template_filename(ret, "csv")}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def return_upload(request, pk):
    """Upload the filled-in template (or a CSV): all rows are saved to the draft, or none."""
    ret = _get_return(request, pk)
    if not can_report(request.user, ret.organisation):
        raise PermissionDenied("Only the organisation's admins and reporters can upload its returns.")
    row_errors, status, stale = [], 200, False
    if request.method == "POST":
        form = ReturnUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ret, count, changed = sheets.upload_return(
                    ret, request.user, form.cleaned_data["file"], revision=form.cleaned_data["revision"]
                )
            except sheets.ReturnUploadError as exc:
                row_errors = exc.errors
                form.add_error("file", f"The file has {problem_count(len(row_errors))}; nothing was saved.")
            except SpreadsheetError as exc:
                form.add_error("file", str(exc))
            except StaleReturnError as exc:
                form.add_error(None, str(exc))
                stale = True
            except ReturnError as exc:  # not editable
                form.add_error(None, str(exc))
            else:
                if changed:
                    text = f"Spreadsheet uploaded: {count} measure{'s' if count != 1 else ''} saved to the draft."
                else:
                    text = "Spreadsheet uploaded: nothing changed, the file matches the draft."
                messages.success(request, text)
                return redirect("commitments:return-detail", pk=ret.pk)
        status = 400
    else:
        form = ReturnUploadForm(initial={"revision": ret.revision})
    context = {
        "ret": ret,
        "form": form,
        "row_errors": row_errors,
        "columns": sheets.TEMPLATE_COLUMNS,
        "stale": stale,
    }
    return render(request, "commitments/spreadsheets/return_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request):
    """One organisation's returns for many contracts and quarters in one file, all or nothing.

    ``?template=1`` (with ``organisation`` and ``quarter``) downloads a file to fill in.
    """
    organisations = list(organisations_reported_for(request.user))
    if not organisations:
        raise PermissionDenied("Only organisations' admins and reporters can upload returns.")
    if request.method == "GET" and request.GET.get("template"):
        chosen = next((o for o in organisations if str(o.pk) == request.GET.get("organisation")), organisations[0])
        try:
            quarter = Quarter.parse(request.GET["quarter"]) if request.GET.get("quarter") else None
        except ValueError:
            quarter = None
        quarter = quarter or Quarter.current().previous()
        filename = f"returns-{chosen.slug}-{quarter.year}-{(quarter.year + 1) % 100:02d}-q{quarter.number}.xlsx"
        return _xlsx_response(bulk.bulk_template(chosen, quarter), filename)

    row_errors, status = [], 200
    if request.method == "POST":
        data = request.POST.copy()
        if len(organisations) == 1:
            data.setdefault("organisation", str(organisations[0].pk))
        form = BulkUploadForm(data, request.FILES, organisations=organisations)
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            try:
                result = bulk.import_returns(request.user, organisation, form.cleaned_data["file"])
            except sheets.ReturnUploadError as exc:
                row_errors = exc.errors
                form.add_error("file", f"The file has {problem_count(len(row_errors))}; nothing was saved.")
            except SpreadsheetError as exc:
                form.add_error("file", str(exc))
            except ReturnError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Returns uploaded for {organisation.name}: {result.summary()}.")
                return redirect("commitments:return-list")
        status = 400
    else:
        form = BulkUploadForm(organisations=organisations)
    context = {
        "form": form,
        "row_errors": row_errors,
        "columns": bulk.BULK_COLUMNS,
        "organisations": organisations,
        "template_quarter": Quarter.current().previous(),
    }
    return render(request, "commitments/spreadsheets/bulk_upload.html", context, status=status)
