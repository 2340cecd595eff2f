"""Pages of the Partner VCFSE commitment: making it (question pages and check your answers), the
commitment with its progress, revising targets, naming recipients on a return line, and a VCFSE's
own page of what others reported giving it.

Every view starts from an organisation or return fetched through ``for_user`` (anyone else gets
404); people who may see but not act get 403. The use cases are in commitments.services.vcfse.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView

from charter.models import Organisation, Sector
from commitments.forms import vcfse as vf
from commitments.forms.returns import format_amount
from commitments.models import Confirmation, PartnerCommitment, ReturnLineRecipient, ReturnStatus
from commitments.services import vcfse as vs
from commitments.vcfse_chart import trend_svg
from commitments.vcfse_progress import COUNTING_RULE, PROJECTION_METHOD, progress, target_history
from commitments.views.returns import get_return
from toms.periods import financial_year_label

# --- access helpers -----------------------------------------------------------------------


def get_organisation(user, pk):
    """The organisation if this person may see it privately, else 404."""
    try:
        return Organisation.objects.for_user(user).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation.") from None


def require_admin(user, organisation):
    if not vs.can_manage(user, organisation):
        raise PermissionDenied(f"Only {organisation.name}'s admins can make or change its Partner VCFSE commitment.")


def get_commitment(user, pk):
    organisation = get_organisation(user, pk)
    commitment = PartnerCommitment.objects.for_user(user).filter(organisation=organisation).first()
    if commitment is None:
        raise Http404("No commitment yet.")
    return commitment


# --- making the commitment ----------------------------------------------------------------

CODES = vs.VCFSE_CODES


def _applies(code):
    def condition(wizard):
        return code in wizard.applicable_codes()

    return condition


@method_decorator(login_required, name="dispatch")
class CommitmentWizard(NamedUrlSessionWizardView):
    form_list = [
        ("year", vf.BaselineYearForm),
        ("measures", vf.MeasuresForm),
        *[(f"baseline-{c}", vf.BaselineForm) for c in CODES],
        ("opportunities", vf.OpportunitiesForm),
        *[(f"targets-{c}", vf.TargetsForm) for c in CODES],
        ("public", vf.PublicForm),
        ("check", vf.CheckForm),
    ]
    condition_dict = {
        "measures": lambda wizard: wizard.organisation.sector == Sector.VCFSE,
        **{f"baseline-{c}": _applies(c) for c in CODES},
        **{f"targets-{c}": _applies(c) for c in CODES},
    }

    def dispatch(self, request, *args, **kwargs):
        self.organisation = get_organisation(request.user, kwargs["pk"])
        require_admin(request.user, self.organisation)
        if PartnerCommitment.objects.filter(organisation=self.organisation).exists():
            messages.info(request, f"{self.organisation.name} has made its commitment. Revise its targets here.")
            return redirect("commitments:vcfse-commitment", self.organisation.pk)
        self._measures = {m.code: m for m in vs.vcfse_measures()}
        self._proposals = {}
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs):
        return f"vcfse_commitment_{kwargs['pk']}"

    def get_step_url(self, step):
        return reverse(self.url_name, kwargs={"pk": self.organisation.pk, "step": step})

    def get(self, *args, **kwargs):
        step = kwargs.get("step")
        if step not in (None, "year", self.done_step_name) and self.baseline_year() is None:
            self.storage.current_step = "year"
            return redirect(self.get_step_url("year"))
        return super().get(*args, **kwargs)

    # What the answers so far say.

    def baseline_year(self):
        data = self.get_cleaned_data_for_step("year")
        return data["baseline_year"] if data else None

    def applicable_codes(self):
        asked = vs.SECTOR_MEASURES.get(self.organisation.sector)
        if asked is not None:
            return asked
        data = self.get_cleaned_data_for_step("measures") or {}
        return list(data.get("measures") or [])

    def proposals(self):
        year = self.baseline_year()
        if year is None:
            return {}
        if year not in self._proposals:
            self._proposals[year] = vs.baseline_proposals(self.organisation, year)
        return self._proposals[year]

    def baseline_value(self, code):
        data = self.get_cleaned_data_for_step(f"baseline-{code}")
        return data["value"] if data else None

    def target_years(self):
        year = self.baseline_year() or 0
        return [year + n for n in range(1, vs.TARGET_YEARS + 1)]

    def get_form_kwargs(self, step=None):
        if step == "measures":
            return {"measures": list(self._measures.values())}
        if step and step.startswith("baseline-"):
            code = step.split("-", 1)[1]
            year = self.baseline_year() or 0
            return {"measure": self._measures[code], "year": year, "proposal": self.proposals().get(code)}
        if step and step.startswith("targets-"):
            code = step.split("-", 1)[1]
            return {"measure": self._measures[code], "baseline": self.baseline_value(code), "years": self.target_years()}
        return {}

    def get_template_names(self):
        return ["commitments/vcfse/check.html" if self.steps.current == "check" else "commitments/vcfse/step.html"]

    def _title(self, step):
        if step.startswith("baseline-"):
            code = step.split("-", 1)[1]
            return f"What was your {code} baseline in {financial_year_label(self.baseline_year() or 0)}?"
        if step.startswith("targets-"):
            return f"What are your {step.split('-', 1)[1]} targets?"
        return {
            "year": "Which financial year is your baseline?",
            "measures": "Which Partner VCFSE measures apply to you?",
            "opportunities": "What opportunities have you identified?",
            "public": "Should your figures be public?",
            "check": "Check your answers before making the commitment",
        }[step]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        context.update(organisation=self.organisation, title=self._title(step), step=step)
        if step.startswith("baseline-") or step.startswith("targets-"):
            code = step.split("-", 1)[1]
            context["measure"] = self._measures[code]
            context["proposal"] = self.proposals().get(code)
            context["baseline"] = self.baseline_value(code)
            context["baseline_year_label"] = financial_year_label(self.baseline_year() or 0)
        if step == "check":
            context["answers"] = self._answers()
        context["sector_ask"] = SECTOR_ASK[self.organisation.sector]
        return context

    def _answers(self):
        year = self.baseline_year()
        measures = []
        for code in self.applicable_codes():
            baseline = self.get_cleaned_data_for_step(f"baseline-{code}") or {}
            targets = self.get_cleaned_data_for_step(f"targets-{code}") or {}
            measure = self._measures[code]
            measures.append(
                {
                    "measure": measure,
                    "baseline": format_amount(measure, baseline.get("value")),
                    "method": dict(vf.BaselineMethod.choices).get(baseline.get("method"), ""),
                    "how": baseline.get("how", ""),
                    "reason": baseline.get("reason", ""),
                    "targets": [
                        (financial_year_label(y), format_amount(measure, targets.get(f"target_{y}")))
                        for y in self.target_years()
                    ],
                }
            )
        opportunities = self.get_cleaned_data_for_step("opportunities") or {}
        public = self.get_cleaned_data_for_step("public") or {}
        return {
            "year": financial_year_label(year) if year else "",
            "measures": measures,
            "kinds": [dict(vf.OpportunityKind.choices)[k] for k in opportunities.get("opportunity_kinds", [])],
            "opportunities": opportunities.get("opportunities", ""),
            "public": public.get("public_figures") == "yes",
        }

    def render_done(self, form, **kwargs):
        # Make the commitment on this POST, not on the GET of a "done" URL.
        try:
            return WizardView.render_done(self, form, **kwargs)
        except vs.CommitmentError as exc:
            check = self.get_form(step="check", data=self.request.POST)
            check.is_valid()
            check.add_error(None, str(exc))
            self.storage.current_step = "check"
            return self.render(check)

    def done(self, form_list, form_dict, **kwargs):
        baselines, targets = {}, {}
        for code in self.applicable_codes():
            b = form_dict[f"baseline-{code}"].cleaned_data
            baselines[code] = {"value": b["value"], "method": b["method"], "how": b["how"], "reason": b["reason"]}
            t = form_dict[f"targets-{code}"].cleaned_data
            targets[code] = {y: t[f"target_{y}"] for y in self.target_years()}
        opportunities = form_dict["opportunities"].cleaned_data
        vs.make_commitment(
            self.request.user, self.organisation,
            baseline_year=form_dict["year"].cleaned_data["baseline_year"],
            baselines=baselines, targets=targets,
            opportunity_kinds=opportunities["opportunity_kinds"], opportunities=opportunities["opportunities"],
            public_figures=form_dict["public"].cleaned_data["public_figures"] == "yes",
            confirm_large=True,  # the targets pages asked for confirmation where needed
        )
        messages.success(self.request, f"{self.organisation.name} has made the Partner VCFSE commitment.")
        return HttpResponseRedirect(reverse("commitments:vcfse-commitment", args=[self.organisation.pk]))


SECTOR_ASK = {
    Sector.PUBLIC: "As a public sector organisation you baseline your supply-chain spend with the VCFSE sector "
    "in C&M (NT14), identify key opportunities to increase VCFSE collaboration, and set year-on-year targets.",
    Sector.PRIVATE: "As a private sector organisation you baseline your supply-chain spend (NT14) and your "
    "donations of expertise, resources and time (NT15, NT16, NT17) to the VCFSE sector in C&M, identify "
    "opportunities, and set year-on-year targets.",
    Sector.VCFSE: "As a VCFSE organisation you identify opportunities for cross-VCFSE and cross-sector "
    "collaboration and, where relevant, baseline your collaboration with other VCFSE organisations in C&M "
    "(NT14 to NT17) and set targets.",
}


# --- the commitment and its progress ------------------------------------------------------


@login_required
def commitment_page(request, pk):
    organisation = get_organisation(request.user, pk)
    commitment = PartnerCommitment.objects.for_user(request.user).filter(organisation=organisation).first()
    may_manage = vs.can_manage(request.user, organisation)
    context = {
        "organisation": organisation,
        "commitment": commitment,
        "may_manage": may_manage,
        "sector_ask": SECTOR_ASK[organisation.sector],
    }
    if commitment is not None:
        rows = progress(commitment)
        for row in rows:
            row.history_rows = [h for h in target_history(commitment) if h["measure"].pk == row.measure.pk]
        context.update(
            rows=rows, counting_rule=COUNTING_RULE, projection_method=PROJECTION_METHOD,
            disputed=ReturnLineRecipient.objects.filter(
                line__return_obj__organisation=organisation, status=Confirmation.DISPUTED,
                line__return_obj__status__in=[ReturnStatus.APPROVED, ReturnStatus.SUBMITTED],
            ).select_related("organisation", "line__measure", "line__return_obj")[:50],
        )
    return render(request, "commitments/vcfse/commitment.html", context)


@login_required
def trend_chart(request, pk, code):
    commitment = get_commitment(request.user, pk)
    for row in progress(commitment):
        if row.measure.code == code:
            return HttpResponse(trend_svg(row), content_type="image/svg+xml")
    raise Http404("No such measure in the commitment.")


@login_required
def revise_target(request, pk):
    commitment = get_commitment(request.user, pk)
    require_admin(request.user, commitment.organisation)
    form = vf.ReviseTargetForm(request.POST or None, commitment=commitment, initial=request.GET.dict())
    needs_confirm = False
    if request.method == "POST" and form.is_valid():
        measure = form.measures[form.cleaned_data["measure"]]
        try:
            vs.revise_target(
                request.user, commitment, measure, form.cleaned_data["financial_year"], form.cleaned_data["value"],
                form.cleaned_data["reason"], confirm_large=form.cleaned_data["confirm_large"],
            )
        except vs.NeedsConfirmation as exc:
            form.add_error("confirm_large", str(exc))
            needs_confirm = True
        except vs.CommitmentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, f"The {measure.code} target is revised; the earlier figure is kept in its history.")
            return redirect("commitments:vcfse-commitment", pk)
    status = 400 if form.errors else 200
    context = {"form": form, "commitment": commitment, "organisation": commitment.organisation, "needs_confirm": needs_confirm}
    return render(request, "commitments/vcfse/revise.html", context, status=status)


@login_required
def edit_commitment(request, pk):
    commitment = get_commitment(request.user, pk)
    require_admin(request.user, commitment.organisation)
    initial = {
        "opportunity_kinds": commitment.opportunity_kinds, "opportunities": commitment.opportunities,
        "public_figures": "yes" if commitment.public_figures else "no",
    }
    form = vf.CommitmentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        vs.update_commitment(
            request.user, commitment, opportunity_kinds=form.cleaned_data["opportunity_kinds"],
            opportunities=form.cleaned_data["opportunities"], public_figures=form.cleaned_data["public_figures"] == "yes",
        )
        messages.success(request, "The commitment is updated.")
        return redirect("commitments:vcfse-commitment", pk)
    status = 400 if form.errors else 200
    return render(
        request, "commitments/vcfse/edit.html", {"form": form, "commitment": commitment, "organisation": commitment.organisation},
        status=status,
    )


# --- who benefited: recipients on a return line -------------------------------------------


def _candidates(q, exclude):
    if not q:
        return []
    squashed = q.replace(" ", "").upper()
    return list(
        Organisation.objects.filter(sector=Sector.VCFSE)
        .filter(Q(name__icontains=q) | Q(charity_number=squashed))
        .exclude(pk=exclude)
        .order_by("name")[:20]
    )


@login_required
def line_recipients(request, pk, line_pk):
    ret = get_return(request.user, pk)
    line = ret.lines.select_related("measure").filter(pk=line_pk, measure__is_partner_vcfse=True).first()
    if line is None:
        raise Http404("No such line.")
    line.return_obj = ret
    from commitments.services.returns import can_report

    may_edit = can_report(request.user, ret.organisation) and ret.is_editable
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()[:200]
    candidates = _candidates(q, ret.organisation_id)
    if request.method == "POST":
        if not can_report(request.user, ret.organisation):
            raise PermissionDenied(f"Only {ret.organisation.name}'s admins and reporters can name recipients.")
        if request.POST.get("action") == "remove":
            recipient = line.recipients.filter(pk=request.POST.get("recipient") or 0).first()
            if recipient is None:
                raise Http404("No such recipient.")
            try:
                vs.remove_recipient(request.user, recipient)
            except vs.CommitmentError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{recipient.display_name} is no longer named on this line.")
            return redirect("commitments:line-recipients", ret.pk, line.pk)
        picked = request.POST.get("organisation")
        candidates = candidates or list(Organisation.objects.filter(pk=picked if (picked or "").isdigit() else 0))
        form = vf.RecipientForm(request.POST, line=line, candidates=candidates)
        if form.is_valid():
            organisation = next((o for o in candidates if o.pk == form.cleaned_data["organisation"]), None)
            entry = {**form.cleaned_data, "organisation": organisation}
            try:
                recipient = vs.add_recipient(request.user, line, entry)
            except vs.CommitmentError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, f"{recipient.display_name} is named as a recipient.")
                return redirect("commitments:line-recipients", ret.pk, line.pk)
    else:
        form = vf.RecipientForm(line=line, candidates=candidates, initial={"q": q})
    recipients = list(line.recipients.select_related("organisation"))
    named = sum((r.amount for r in recipients), 0)
    context = {
        "ret": ret, "line": line, "form": form, "recipients": recipients, "q": q, "candidates": candidates,
        "may_edit": may_edit, "named": format_amount(line.measure, named),
        "quantity": format_amount(line.measure, line.quantity),
        "share": int(named / line.quantity * 100) if line.quantity else None,
    }
    return render(request, "commitments/vcfse/recipients.html", context, status=400 if form.errors else 200)


# --- the VCFSE's own word -----------------------------------------------------------------


@login_required
def received(request, pk):
    organisation = get_organisation(request.user, pk)
    entries = list(
        ReturnLineRecipient.objects.for_user(request.user)
        .filter(organisation=organisation)
        .exclude(line__return_obj__status=ReturnStatus.DRAFT)
        .select_related("line__measure", "line__return_obj__organisation", "line__return_obj__contract", "answered_by")
        .order_by("status", "-line__return_obj__year", "-line__return_obj__quarter", "pk")
    )
    for entry in entries:
        entry.shown_amount = format_amount(entry.line.measure, entry.amount)
        entry.form = vf.AnswerForm(prefix=f"r{entry.pk}")
    context = {"organisation": organisation, "entries": entries, "may_answer": vs.can_answer(request.user, organisation)}
    return render(request, "commitments/vcfse/received.html", context)


@login_required
@require_POST
def answer(request, pk, recipient_pk):
    organisation = get_organisation(request.user, pk)
    entry = (
        ReturnLineRecipient.objects.for_user(request.user).filter(organisation=organisation, pk=recipient_pk)
        .exclude(line__return_obj__status=ReturnStatus.DRAFT).first()
    )
    if entry is None:
        raise Http404("No such entry.")
    if not vs.can_answer(request.user, organisation):
        raise PermissionDenied(f"Only {organisation.name}'s admins and reporters can answer for it.")
    form = vf.AnswerForm(request.POST, prefix=f"r{entry.pk}")
    if form.is_valid():
        try:
            vs.answer(request.user, entry, form.cleaned_data["status"], form.cleaned_data["comment"])
        except vs.CommitmentError as exc:
            messages.error(request, str(exc))
        else:
            word = "confirmed" if form.cleaned_data["status"] == Confirmation.CONFIRMED else "disputed"
            messages.success(request, f"You {word} what {entry.line.return_obj.organisation.name} reported.")
        return redirect("commitments:vcfse-received", organisation.pk)
    entries = [entry]
    entry.shown_amount = format_amount(entry.line.measure, entry.amount)
    entry.form = form
    context = {"organisation": organisation, "entries": entries, "may_answer": True, "single": True}
    return render(request, "commitments/vcfse/received.html", context, status=400)
