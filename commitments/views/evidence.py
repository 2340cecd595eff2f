"""Evidence files and case studies on a return."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commitments.forms.returns import (
    CaseStudyForm,
    EvidenceForm,
)
from commitments.services import evidence as evidence_services
from commitments.views.returns import get_return, require_reporter

# --- evidence and case studies ------------------------------------------------------------


def _editable_for_evidence(request, pk, *, on_it=None):
    """The return if this person may change its evidence now; ``on_it(ret)``, if given, is the
    queryset of the file or case study named in the URL: an id that is not on this return is 404."""
    ret = get_return(request.user, pk)
    require_reporter(request.user, ret)
    if on_it is not None and not on_it(ret).exists():
        raise Http404("No such file or case study on this return.")
    if not ret.is_editable:
        messages.error(request, f"This return is {ret.get_status_display().lower()} and cannot be changed.")
        return ret, redirect("commitments:return-detail", ret.pk)
    return ret, None


@login_required
def add_evidence(request, pk):
    ret, refused = _editable_for_evidence(request, pk)
    if refused:
        return refused
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = evidence_services.add_evidence(
                ret, request.user, form.cleaned_data["file"], form.cleaned_data["description"]
            )
        except evidence_services.EvidenceError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"{item.name} added to the return's evidence.")
            return redirect(reverse("commitments:return-detail", args=[ret.pk]) + "#evidence")
    status = 400 if form.errors else 200
    return render(request, "commitments/returns/evidence_add.html", {"ret": ret, "form": form}, status=status)


@login_required
def download_evidence(request, pk, evidence_pk):
    ret = get_return(request.user, pk)
    item = ret.evidence.filter(pk=evidence_pk).first()
    if item is None:
        raise Http404("No such file on this return.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    # Always a download, never shown inline, whatever the file claims to be.
    return FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)


@login_required
@require_POST
def delete_evidence(request, pk, evidence_pk):
    ret, refused = _editable_for_evidence(request, pk, on_it=lambda r: r.evidence.filter(pk=evidence_pk))
    if refused:
        return refused
    try:
        item = evidence_services.delete_evidence(ret, request.user, evidence_pk)
    except evidence_services.EvidenceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{item.name} removed from the return.")
    return redirect(reverse("commitments:return-detail", args=[ret.pk]) + "#evidence")


@login_required
def add_case_study(request, pk):
    ret, refused = _editable_for_evidence(request, pk)
    if refused:
        return refused
    form = CaseStudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evidence_services.add_case_study(ret, request.user, **form.cleaned_data)
        except evidence_services.EvidenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case study “{form.cleaned_data['title']}” added.")
            return redirect(reverse("commitments:return-detail", args=[ret.pk]) + "#case-studies")
    status = 400 if form.errors else 200
    return render(request, "commitments/returns/case_study_add.html", {"ret": ret, "form": form}, status=status)


@login_required
@require_POST
def delete_case_study(request, pk, case_pk):
    ret, refused = _editable_for_evidence(request, pk, on_it=lambda r: r.case_studies.filter(pk=case_pk))
    if refused:
        return refused
    try:
        case_study = evidence_services.delete_case_study(ret, request.user, case_pk)
    except evidence_services.EvidenceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Case study “{case_study.title}” removed.")
    return redirect(reverse("commitments:return-detail", args=[ret.pk]) + "#case-studies")

