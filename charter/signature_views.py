"""An organisation's own signature (withdraw, resend, certificate) and the ICB's signatures list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from charter import services
from charter.access import icb_required
from charter.models import CharterVersion, Role, Signature, SignatureStatus
from charter.models.signatures import OPEN_STATUSES
from charter.pdf import pdf_response
from charter.selectors import get_organisation_for, get_signature_for
from charter.signing_forms import ReasonForm


@login_required
def organisation_charter(request, pk):
    organisation = get_organisation_for(request.user, pk)
    is_admin = request.user.role_in(organisation) == Role.ADMIN
    signatures = organisation.signatures.select_related("version").order_by("-created_at")
    live = next((s for s in signatures if s.status == SignatureStatus.LIVE), None)
    open_signature = next((s for s in signatures if s.is_open), None)
    current = CharterVersion.objects.current()
    context = {
        "organisation": organisation,
        "is_admin": is_admin,
        "live": live,
        "open_signature": open_signature,
        "signatures": signatures,
        "current_version": current,
        "can_resign": bool(
            is_admin and live and current and live.version.number < current.number and not open_signature
        ),
        "can_sign": bool(is_admin and not live and not open_signature),
        "withdraw_form": ReasonForm(),
    }
    return render(request, "charter/organisation_charter.html", context)


@login_required
@require_POST
def withdraw(request, pk):
    signature = get_signature_for(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
    else:
        try:
            services.withdraw_signature(signature, request.user, form.cleaned_data["reason"])
        except services.SigningError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{signature.organisation.name}'s signature has been withdrawn.")
    return redirect("charter:organisation-charter", signature.organisation_id)


@login_required
@require_POST
def resend(request, pk):
    signature = get_signature_for(request.user, pk)
    try:
        services.resend_confirmation(signature, request.user)
    except services.SigningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"A new confirmation link has been sent to {signature.signatory_email}.")
    return redirect("charter:organisation-charter", signature.organisation_id)


@login_required
def certificate(request, pk):
    organisation = get_organisation_for(request.user, pk)
    live = organisation.signatures.filter(status=SignatureStatus.LIVE).select_related("version").first()
    if live is None:
        raise Http404("This organisation has no live signature, so there is no certificate.")
    from charter.certificates import reference_for
    from common.site import site_url

    reference = reference_for(live)
    verify_url = f"{site_url()}{reverse('charter:register-verify')}?ref={reference}"
    return pdf_response(
        "charter/certificate.html",
        {"signature": live, "organisation": organisation, "reference": reference, "verify_url": verify_url},
        f"social-value-charter-certificate-{slugify(organisation.name)}.pdf",
    )


@icb_required
def signatures(request):
    """For the ICB: every signature with its status, and moderation."""
    status = request.GET.get("status", "")
    rows = Signature.objects.for_user(request.user).select_related("organisation", "version")
    rows = rows.select_related("claimant")
    if status in SignatureStatus.values:
        rows = rows.filter(status=status)
    elif status == "hidden":
        rows = rows.filter(is_hidden=True)
    elif status == "claims":
        rows = rows.filter(claims_organisation=True, status__in=OPEN_STATUSES)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(organisation__name__icontains=q)
    page = Paginator(rows.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    by_status = dict(Signature.objects.values_list("status").annotate(n=Count("pk")))
    counts = {value: by_status.get(value, 0) for value in SignatureStatus.values}
    return render(
        request,
        "charter/signatures.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": SignatureStatus.choices,
            "counts": counts,
            "hidden_count": Signature.objects.filter(is_hidden=True).count(),
            "claims_count": Signature.objects.filter(claims_organisation=True, status__in=OPEN_STATUSES).count(),
        },
    )


def _icb_action(request, pk, action):
    if not request.user.is_icb_admin:
        raise PermissionDenied("Only ICB admins can do this.")
    signature = get_signature_for(request.user, pk)
    try:
        message = action(signature)
    except services.SigningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("charter:signatures")


@icb_required
@require_POST
def moderate(request, pk):
    hide = request.POST.get("action") == "hide"
    reason = request.POST.get("reason", "")

    def act(signature):
        services.set_hidden(signature, request.user, hidden=hide, reason=reason)
        return f"{signature.organisation.name} is {'hidden from' if hide else 'shown again on'} the register."

    return _icb_action(request, pk, act)


@icb_required
@require_POST
def accept_email(request, pk):
    def act(signature):
        signature = services.accept_email_address(signature, request.user)
        if signature.claims_organisation:
            who = signature.claimant or signature.signatory_email
            if signature.is_live:
                return f"The claim is accepted: {who} is now an organisation admin of {signature.organisation.name}."
            return (
                f"The claim is accepted: {who} becomes an organisation admin of "
                f"{signature.organisation.name} once the signatory follows the link."
            )
        return f"The e-mail address {signature.signatory_email} is accepted."

    return _icb_action(request, pk, act)


@icb_required
@require_POST
def icb_resend(request, pk):
    def act(signature):
        services.resend_confirmation(signature, request.user)
        return f"A new confirmation link has been sent to {signature.signatory_email}."

    return _icb_action(request, pk, act)
