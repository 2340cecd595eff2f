"""The audit log for ICB admins: newest first, filtered in the URL, and the filtered rows as CSV."""

import csv
import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from charter.access import icb_admin_required
from charter.models import AuditEvent, AuditKind
from common.chunks import in_chunks
from common.spreadsheets import escape_cell

PAGE_SIZE = 25
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Event", required=False, choices=[("", "Any event"), *AuditKind.choices])
    person = forms.CharField(
        label="Person's e-mail address", required=False, max_length=254,
        help_text="Who acted or was acted on; part of the address is enough.",
    )
    organisation = forms.CharField(label="Organisation name", required=False, max_length=200)
    start = forms.DateField(
        label="From", required=False, input_formats=DATE_FORMATS, help_text="For example, 27/3/2026",
        error_messages={"invalid": "Enter the first day as a date, for example 27/3/2026."},
    )
    end = forms.DateField(
        label="To", required=False, input_formats=DATE_FORMATS, help_text="The last day, included",
        error_messages={"invalid": "Enter the last day as a date, for example 31/3/2026."},
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The last day must be the same as or after the first day.")
        return data


def _day_start(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_events(form):
    """The events the form's valid filters select (a filter with an error is left out)."""
    rows = AuditEvent.objects.select_related("organisation")
    data = form.cleaned_data if form.is_bound else {}
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    person = (data.get("person") or "").strip()
    if person:
        rows = rows.filter(Q(actor_email__icontains=person) | Q(target__icontains=person))
    organisation = (data.get("organisation") or "").strip()
    if organisation:
        rows = rows.filter(organisation__name__icontains=organisation)
    if data.get("start"):
        rows = rows.filter(at__gte=_day_start(data["start"]))
    if data.get("end"):
        rows = rows.filter(at__lt=_day_start(data["end"] + dt.timedelta(days=1)))
    return rows.order_by("-at", "-pk")


def _form(request):
    params = {k: v for k, v in request.GET.items() if k in AuditFilterForm.base_fields and v.strip()}
    form = AuditFilterForm(params or None)
    if form.is_bound:
        form.is_valid()  # the errors are shown; the valid filters still apply
    return form, params


@icb_admin_required
def audit_log(request):
    form, params = _form(request)
    rows = filtered_events(form)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(params)
    return render(
        request,
        "charter/audit_log.html",
        {"form": form, "page": page, "query_string": query, "filtered": bool(params)},
    )


HEADER = ["When", "Event", "Who", "About", "Organisation", "Client address", "Detail"]


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    kinds = dict(AuditKind.choices)
    batch = []
    for event in in_chunks(rows, "-at", lambda e: (e.at, e.pk)):
        values = [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            kinds.get(event.kind, event.kind),
            event.actor_email,
            event.target,
            event.organisation.name if event.organisation else "",
            event.ip_address or "",
            event.detail,
        ]
        batch.append(writer.writerow([escape_cell(v) for v in values]))
        if len(batch) == 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


@icb_admin_required
def audit_log_csv(request):
    """The filtered events as CSV, streamed; text a spreadsheet would run as a formula is escaped."""
    form, _ = _form(request)
    response = StreamingHttpResponse(_csv_lines(filtered_events(form)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="social-value-portal-audit-log-{stamp}.csv"'
    return response
