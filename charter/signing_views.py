"""The signing journey: find or register the organisation, the signatory, the commitment,
check your answers; then the confirmation link makes the signature take effect (and, for a new
organisation admin, is where the signatory chooses their own password).
"""

import re

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView

from charter import ratelimit
from charter.emails import work_email_problem
from charter.models import CharterVersion, Organisation, Role, Signature, SignatureStatus
from charter.services import (
    SigningError,
    check_can_sign_for,
    confirm_signature,
    needs_new_account,
    signature_to_confirm,
    start_signing,
)
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
SESSION_NAME = "signing_searched_name"

# The four steps the start page lists, and the step of the journey each page belongs to: the
# e-mail check is part of saying who signs, and a registered organisation starts at step 2.
STEP_COUNT = 4
STEP_NUMBERS = {"organisation": 1, "signatory": 2, "email-check": 2, "commitment": 3, "check": 4}
# A Companies House or charity number, or an NHS ODS code with digits: not a name.
IDENTIFIER_LIKE = re.compile(r"[A-Z]{0,3}[0-9][A-Z0-9]{2,9}")


def _name_searched_for(q):
    """What was searched for, if it reads as a name rather than a number or code."""
    q = " ".join((q or "").split())[:200]
    squashed = q.replace(" ", "").upper()
    return "" if IDENTIFIER_LIKE.fullmatch(squashed) else q


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
            ).prefetch_related(
                Prefetch(
                    "signatures", to_attr="live_signatures",
                    queryset=Signature.objects.filter(status=SignatureStatus.LIVE).select_related("version").only(
                        "organisation_id", "status", "version__number"
                    ),
                )
            ).order_by("name")[:20]
        )
        for org in results:
            org.live = org.live_signatures[0] if org.live_signatures else None
    return render(request, "charter/sign/start.html", {"form": form, "results": results, "version": version})


@require_POST
def sign_choose(request):
    """Choose an existing organisation (or none, to register a new one) and begin the steps."""
    choice = request.POST.get("organisation", "new")
    if choice == "new":
        request.session.pop(SESSION_ORG, None)
        request.session[SESSION_NAME] = _name_searched_for(request.POST.get("q"))
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


class SigningWizard(NamedUrlSessionWizardView):
    form_list = [
        ("organisation", OrganisationDetailsForm),
        ("signatory", SignatoryForm),
        ("email-check", EmailCheckForm),
        ("commitment", CommitmentForm),
        ("check", CheckAnswersForm),
    ]
    condition_dict = {
        "organisation": _needs_new_organisation,
        "email-check": _needs_email_check,
    }
    titles = {
        "organisation": "Tell us about your organisation",
        "signatory": "Who is signing for the organisation?",
        "email-check": "Check the signatory's e-mail address",
        "commitment": "The commitment",
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
        return {}

    def get_form_initial(self, step):
        if step == "organisation":
            return {"name": self.request.session.get(SESSION_NAME, "")}  # what they searched for
        return super().get_form_initial(step)

    def get_template_names(self):
        return ["charter/sign/check.html" if self.steps.current == "check" else "charter/sign/step.html"]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context.update(
            title=self.titles[self.steps.current],
            version=self.version,
            chosen_organisation=_chosen_organisation(self.request),
            organisation=self.organisation(),
            step_number=STEP_NUMBERS[self.steps.current],
            step_count=STEP_COUNT,
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
            "new_admin": not self.request.user.is_authenticated,
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
            accept_email_warning="email-check" in form_dict,
        )
        self.request.session.pop(SESSION_ORG, None)
        self.request.session.pop(SESSION_NAME, None)
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
    """GET shows a button (mail scanners follow links), and the password fields when confirming
    makes the signatory's account; POST confirms the signature. A link that can no longer confirm
    anything says so, and offers no button."""
    try:
        signature = signature_to_confirm(token)
    except SigningError as exc:
        return render(request, "charter/sign/confirm_failed.html", {"problem": str(exc)}, status=400)
    form = None
    if needs_new_account(signature):
        form = AccountForm(
            request.POST or None, email=signature.signatory_email, full_name=signature.signatory_name,
            prefix="account",
        )
    if request.method != "POST" or (form is not None and not form.is_valid()):
        return render(request, "charter/sign/confirm.html", {"token": token, "signature": signature, "form": form})
    try:
        signature = confirm_signature(token, password=form.cleaned_data["password1"] if form else None)
    except SigningError as exc:
        return render(request, "charter/sign/confirm_failed.html", {"problem": str(exc)}, status=400)
    return render(request, "charter/sign/confirmed.html", {"signature": signature})
