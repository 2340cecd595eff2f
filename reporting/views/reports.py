"""PDF reports: ask (build), watch the build (poll), download when ready. Each report is the
asker's own: nobody else can see or download it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from reporting.models import BuildStatus, Report, ReportKind
from reporting.services.reports import ReportError, quarter_from, request_report, subject_of
from reporting.tasks import build_report_task
from toms.periods import Quarter


def _report_for(user, pk):
    try:
        return Report.objects.get(pk=pk, requested_by=user)
    except (Report.DoesNotExist, ValueError):
        raise Http404("No such report.") from None


@login_required
def report_new(request):
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "")
    subject = source.get("subject", "")
    quarter = quarter_from(source.get("quarter", "")) or Quarter.current().previous()
    error = None
    try:
        thing = subject_of(request.user, kind, subject)
    except LookupError:
        raise Http404("No such subject.") from None
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from None
    except ReportError as exc:
        thing, error = None, str(exc)
    if request.method == "POST" and error is None:
        with transaction.atomic():
            report = request_report(request.user, kind, subject, quarter)
            transaction.on_commit(lambda: build_report_task.delay(report.pk))
        return redirect("reporting:report", report.pk)
    context = {"kind": kind, "kind_label": dict(ReportKind.choices).get(kind, "Report"), "subject": subject,
               "thing": thing, "quarter": quarter, "error": error}
    return render(request, "reporting/report_new.html", context, status=400 if error else 200)


@login_required
def report_status(request, pk):
    report = _report_for(request.user, pk)
    finished = report.status in {BuildStatus.DONE, BuildStatus.FAILED}
    return render(request, "reporting/report_status.html", {"report": report, "finished": finished})


@login_required
def report_download(request, pk):
    report = _report_for(request.user, pk)
    if report.status != BuildStatus.DONE or not report.file:
        raise Http404("The report is not ready.")
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1],
                        content_type="application/pdf")


@login_required
def report_list(request):
    reports = Report.objects.filter(requested_by=request.user)[:20]
    return render(request, "reporting/report_list.html", {"reports": reports})
