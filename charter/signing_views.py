"""The signing journey: find or register the organisation, the signatory, the commitment,
the account, check your answers; then the confirmation link makes the signature take effect.
"""

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView

from charter import ratelimit
from charter.emails import work_email_problem
from charter.models import CharterVersion, Organisation, Role, Signature, SignatureStatus
from charter.services import SigningError, check_can_sign_for, confirm_signature, start_signing
from charter.signing_forms import (
    AccountForm,
    CheckAnswersForm,
    CommitmentForm,
    EmailCheckForm,
    FindOrganisationForm,
    OrganisationDetailsForm,
    SignatoryForm,
)

SESSION_ORG = "signing_organisation_id"
SESSION_SENT = "signing_sent_signature_id"


def _chosen_organisation(request):
    pk = request.session.get(SESSION_ORG)
    return Organisation.objects.filter(pk=pk).first() if pk else None


def sign_start(request):
    """Start page: what signing means, then find the organisation or register it."""
    version = CharterVersion.objects.current()
    form = FindOrganisationForm(request.GET or None)
    results = None
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        squashed = q.replace(" ", "").upper()
        results = list(
            Organisation.objects.filter(
                Q(name__icontains=q) | Q(companies_house_number=squashed)
                | Q(charity_number=squashed) | Q(ods_code=squashed)
            ).prefetch_related("signatures").order_by("name")[:20]
        )
        for org in results:
            org.live = next((s for s in org.signatures.all() if s.status == SignatureStatus.LIVE), None)
    return render(request, "charter/sign/start.html", {"form": form, "results": results, "version": version})


@require_POST
def sign_choose(request):
    """Choose an existing organisation (or none, to register a new one) and begin the steps."""
    choice = request.POST.get("organisation", "new")
    if choice == "new":
        request.session.pop(SESSION_ORG, None)
        return redirect("charter:sign-steps")
    organisation = Organisation.objects.filter(pk=choice if choice.isdigit() else None).first()
    if organisation is None:
        messages.error(request, "Choose an organisation from the list.")
        return redirect("charter:sign-start")
    live = organisation.live_signature
    current = CharterVersion.objects.current()
    if live and current and live.version.number >= current.number:
        messages.info(request, f"{organisation.name} has already signed the Charter. Here is its entry.")
        return redirect("charter:register-entry", organisation.slug)
    try:
        check_can_sign_for(request.user, organisation)
    except SigningError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("charter:sign-start") + "?q=" + organisation.name)
    request.session[SESSION_ORG] = organisation.pk
    return redirect("charter:sign-steps")


def _needs_new_organisation(wizard):
    return _chosen_organisation(wizard.request) is None


def _needs_email_check(wizard):
    signatory = wizard.get_cleaned_data_for_step("signatory") or {}
    organisation = wizard.organisation()
    return bool(organisation and signatory and work_email_problem(signatory["signatory_email"], organisation))


def _claims_registered_organisation(wizard):
    """Signing for a registered organisation one is not an admin of claims it: the ICB accepts that."""
    chosen = _chosen_organisation(wizard.request)
    user = wizard.request.user
    if chosen is None:
        return False
    return not (user.is_authenticated and user.memberships.filter(organisation=chosen, role=Role.ADMIN).exists())


def _needs_account(wizard):
    return not wizard.request.user.is_authenticated


class SigningWizard(NamedUrlSessionWizardView):
    form_list = [
        ("organisation", OrganisationDetailsForm),
        ("signatory", SignatoryForm),
        ("email-check", EmailCheckForm),
        ("commitment", CommitmentForm),
        ("account", AccountForm),
        ("check", CheckAnswersForm),
    ]
    condition_dict = {
        "organisation": _needs_new_organisation,
        "email-check": _needs_email_check,
        "account": _needs_account,
    }
    titles = {
        "organisation": "Tell us about your organisation",
        "signatory": "Who is signing for the organisation?",
        "email-check": "Check the signatory's e-mail address",
        "commitment": "The commitment",
        "account": "Create the organisation admin account",
        "check": "Check your answers before signing",
    }

    def dispatch(self, request, *args, **kwargs):
        self.version = CharterVersion.objects.current()
        if self.version is None:
            messages.error(request, "The Charter has not been published yet.")
            return redirect("charter:charter")
        return super().dispatch(request, *args, **kwargs)

    def post(self, *args, **kwargs):
        # Count by the step the page says it posts (the stored step is gone after a signing).
        posted_step = self.request.POST.get(f"{self.prefix}-current_step")
        if posted_step == "check" and "wizard_goto_step" not in self.request.POST:
            allowed = ratelimit.allow(
                "sign", ratelimit.client_address(self.request),
                limit=settings.SIGNING_RATE_LIMIT_PER_HOUR,
            )
            if not allowed:
                return render(self.request, "charter/sign/too_many.html", status=429)
        return super().post(*args, **kwargs)

    def organisation(self):
        """The chosen organisation, or an unsaved one built from the answers so far."""
        chosen = _chosen_organisation(self.request)
        if chosen is not None:
            return chosen
        data = self.get_cleaned_data_for_step("organisation")
        return Organisation(**data) if data else None

    def get_form_kwargs(self, step=None):
        if step == "commitment":
            return {"version": self.version}
        if step == "account":
            signatory = self.get_cleaned_data_for_step("signatory") or {}
            return {"email": signatory.get("signatory_email"), "full_name": signatory.get("signatory_name", "")}
        return {}

    def get_template_names(self):
        return ["charter/sign/check.html" if self.steps.current == "check" else "charter/sign/step.html"]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context.update(
            title=self.titles[self.steps.current],
            version=self.version,
            chosen_organisation=_chosen_organisation(self.request),
            organisation=self.organisation(),
        )
        if self.steps.current == "email-check":
            signatory = self.get_cleaned_data_for_step("signatory")
            context["email_problem"] = work_email_problem(signatory["signatory_email"], self.organisation())
        if self.steps.current == "check":
            context["answers"] = self._answers()
        return context

    def _answers(self):
        return {
            "organisation": self.get_cleaned_data_for_step("organisation") if _needs_new_organisation(self) else None,
            "signatory": self.get_cleaned_data_for_step("signatory") or {},
            "commitment": self.get_cleaned_data_for_step("commitment") or {},
            "email_check": _needs_email_check(self),
            "icb_check": _needs_email_check(self) or _claims_registered_organisation(self),
            "account": _needs_account(self),
        }

    def render_done(self, form, **kwargs):
        # Sign on this POST (with its CSRF check and rate limit), not on the GET of a "done"
        # URL that NamedUrlWizardView would redirect to first.
        try:
            return WizardView.render_done(self, form, **kwargs)
        except SigningError as exc:
            check = self.get_form(step="check", data=self.request.POST)
            check.is_valid()
            check.add_error(None, str(exc))
            self.storage.current_step = "check"
            return self.render(check)

    def done(self, form_list, form_dict, **kwargs):
        organisation_data = form_dict["organisation"].cleaned_data if "organisation" in form_dict else None
        signatory = form_dict["signatory"].cleaned_data
        commitment = form_dict["commitment"].cleaned_data
        signature = start_signing(
            user=self.request.user,
            organisation=_chosen_organisation(self.request),
            new_organisation=organisation_data,
            signatory_name=signatory["signatory_name"],
            designation=signatory["designation"],
            signatory_email=signatory["signatory_email"],
            principles=commitment["principles"],
            priorities=commitment["priorities"],
            statement=commitment["statement"],
            password=form_dict["account"].cleaned_data["password1"] if "account" in form_dict else None,
            accept_email_warning="email-check" in form_dict,
        )
        self.request.session.pop(SESSION_ORG, None)
        self.request.session[SESSION_SENT] = signature.pk
        return HttpResponseRedirect(reverse("charter:sign-sent"))


def sign_sent(request):
    signature = Signature.objects.select_related("organisation").filter(
        pk=request.session.get(SESSION_SENT)
    ).first()
    if signature is None:
        return redirect("charter:sign-start")
    return render(request, "charter/sign/sent.html", {"signature": signature})


def confirm(request, token):
    """GET shows a button (mail scanners follow links); POST confirms the signature."""
    if request.method != "POST":
        return render(request, "charter/sign/confirm.html", {"token": token})
    try:
        signature = confirm_signature(token)
    except SigningError as exc:
        return render(request, "charter/sign/confirm_failed.html", {"problem": str(exc)}, status=400)
    return render(request, "charter/sign/confirmed.html", {"signature": signature})
