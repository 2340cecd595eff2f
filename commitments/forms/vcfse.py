"""Forms of the Partner VCFSE commitment: the journey's question pages (one thing a page),
revising a target, naming recipients on a return line, and a recipient's answer. The figures are
checked by commitments.services.vcfse, the same rules as the API."""

from django import forms

from charter.models import Place
from commitments.models import BaselineMethod, Confirmation, OpportunityKind
from commitments.services import vcfse as vs
from toms.periods import financial_year_label, parse_financial_year

YES_NO = [("yes", "Yes"), ("no", "No")]


def _amount(measure, raw, field="value"):
    try:
        return vs.parse_amount(measure, raw, field)
    except vs.CommitmentError as exc:
        raise forms.ValidationError(str(exc)) from None


def unit_hint(measure):
    return "In pounds, like 25000." if measure.unit == "£" else f"In {measure.unit}, like 120."


class BaselineYearForm(forms.Form):
    baseline_year = forms.CharField(
        label="Which financial year is your baseline?",
        max_length=9,
        help_text="The year you measure growth from, written like 2024/25. It cannot be a year that has not started.",
        error_messages={"required": "Enter the baseline year, like 2024/25"},
    )

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_baseline_year(self):
        try:
            year = parse_financial_year(self.cleaned_data["baseline_year"])
            vs.check_baseline_year(year, self.today)
        except (ValueError, vs.CommitmentError) as exc:
            raise forms.ValidationError(str(exc)) from None
        return year


class MeasuresForm(forms.Form):
    """VCFSE organisations choose which measures, if any, they baseline."""

    measures = forms.MultipleChoiceField(
        label="Which of these will you baseline and set targets for?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where relevant: your collaboration with other VCFSE organisations in C&M. "
        "Choose none if you are only identifying opportunities.",
    )

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [(m.code, f"{m.code}: {m.title}") for m in measures]


class BaselineForm(forms.Form):
    value = forms.CharField(max_length=30, error_messages={"required": "Enter the baseline"})
    method = forms.ChoiceField(
        label="How was it worked out?", choices=BaselineMethod.choices, widget=forms.RadioSelect,
        error_messages={"required": "Say how the baseline was worked out"},
    )
    how = forms.CharField(
        label="Explain how (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the explanation to 2,000 characters"},
    )
    reason = forms.CharField(
        label="Why does it differ from your approved returns?", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only if the baseline is not the sum of your approved returns. The ICB sees this.",
        error_messages={"max_length": "Keep the reason to 2,000 characters"},
    )

    def __init__(self, *args, measure=None, year=None, proposal=None, **kwargs):
        self.measure, self.year, self.proposal = measure, year, proposal or {}
        super().__init__(*args, **kwargs)
        self.fields["value"].label = f"{measure.code} in {financial_year_label(year)}"
        self.fields["value"].help_text = unit_hint(measure)
        if self.proposal.get("value") is not None and not self.is_bound and "value" not in self.initial:
            self.initial.setdefault("value", f"{self.proposal['value']:f}".rstrip("0").rstrip("."))
            self.initial.setdefault("method", BaselineMethod.RETURNS)

    def clean_value(self):
        return _amount(self.measure, self.cleaned_data["value"], "value")

    def clean(self):
        cleaned = super().clean()
        value, method = cleaned.get("value"), cleaned.get("method")
        proposed = self.proposal.get("value")
        if method == BaselineMethod.RETURNS and proposed is None:
            self.add_error(
                "method",
                f"You have no approved returns with {self.measure.code} for {financial_year_label(self.year)}: "
                "choose your own records or an estimate",
            )
        if value is not None and proposed is not None and value != proposed and not cleaned.get("reason", "").strip():
            self.add_error(
                "reason",
                f"Your approved returns add up to {vs._fmt(self.measure, proposed)}: say why the baseline differs",
            )
        return cleaned


class OpportunitiesForm(forms.Form):
    opportunity_kinds = forms.MultipleChoiceField(
        label="Which kinds of collaboration will you grow?", choices=OpportunityKind.choices,
        widget=forms.CheckboxSelectMultiple, required=False, help_text="Select all that apply.",
    )
    opportunities = forms.CharField(
        label="What key opportunities have you identified?", required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, the services you could buy from VCFSE organisations, or the expertise you could give.",
        error_messages={"max_length": "Keep the opportunities to 4,000 characters"},
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("opportunity_kinds") and not (cleaned.get("opportunities") or "").strip():
            self.add_error("opportunities", "Describe the opportunities you have identified, or choose at least one kind")
        return cleaned


class TargetsForm(forms.Form):
    """A measure's targets for the next three financial years after the baseline."""

    confirm_large = forms.BooleanField(required=False, label="Yes, these targets are right")

    def __init__(self, *args, measure=None, baseline=None, years=(), **kwargs):
        self.measure, self.baseline, self.years = measure, baseline, list(years)
        super().__init__(*args, **kwargs)
        fields = {}
        for year in self.years:
            fields[f"target_{year}"] = forms.CharField(
                label=f"Target for {financial_year_label(year)}", max_length=30, help_text=unit_hint(measure),
                error_messages={"required": f"Enter the target for {financial_year_label(year)}"},
            )
        fields["confirm_large"] = self.fields["confirm_large"]
        self.fields = fields
        self.large = []

    def clean(self):
        cleaned = super().clean()
        values = {}
        for year in self.years:
            name = f"target_{year}"
            if name in cleaned:
                try:
                    values[year] = vs.parse_amount(self.measure, cleaned[name], name)
                except vs.CommitmentError as exc:
                    self.add_error(name, str(exc))
        if self.errors or len(values) != len(self.years):
            return cleaned
        try:
            self.large = vs.target_problems(self.measure, self.baseline, values, field="target")
        except vs.CommitmentError as exc:
            self.add_error(exc.field, str(exc))
            return cleaned
        if self.large and not cleaned.get("confirm_large"):
            self.add_error(
                "confirm_large",
                f"The target for {', '.join(self.large)} is more than ten times the baseline "
                f"({vs._fmt(self.measure, self.baseline)}): check it, and tick the box to confirm it is right",
            )
        for year, value in values.items():
            cleaned[f"target_{year}"] = value
        return cleaned


class PublicForm(forms.Form):
    public_figures = forms.ChoiceField(
        label="Should your baselines, targets and progress be public?", choices=YES_NO, widget=forms.RadioSelect,
        help_text="Your commitment and opportunities always appear on the public register. The figures appear only "
        "if you say yes; VCFSE organisations are named only once they have confirmed what they received.",
        error_messages={"required": "Say whether your figures should be public"},
    )


class CheckForm(forms.Form):
    """Check your answers: nothing to fill in."""


class ReviseTargetForm(forms.Form):
    measure = forms.ChoiceField(label="Measure", error_messages={"required": "Choose the measure"})
    financial_year = forms.ChoiceField(label="Financial year", error_messages={"required": "Choose the year"})
    value = forms.CharField(label="New target", max_length=30, error_messages={"required": "Enter the new target"})
    reason = forms.CharField(
        label="Why are you revising it?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the target is being revised", "max_length": "Keep the reason to 2,000 characters"},
    )
    confirm_large = forms.BooleanField(required=False, label="Yes, this target is right")

    def __init__(self, *args, commitment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        self.measures = {b.measure.code: b.measure for b in commitment.baselines.select_related("measure")}
        self.fields["measure"].choices = [(code, f"{code}: {m.title}") for code, m in self.measures.items()]
        last = max([t.financial_year for t in commitment.targets.all()] + [commitment.baseline_year + 3])
        self.fields["financial_year"].choices = [
            (str(y), financial_year_label(y)) for y in range(commitment.baseline_year + 1, last + 2)
        ]


class RecipientForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label="Recipient on the portal", required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
    )
    name = forms.CharField(label="Name of the organisation", required=False, max_length=200)
    charity_number = forms.CharField(label="Registered charity number (optional)", required=False, max_length=12)
    place = forms.ChoiceField(
        label="Where is it based?", required=False, choices=[("", "Choose the place"), *Place.choices],
    )
    amount = forms.CharField(max_length=30, error_messages={"required": "Enter the amount it received"})

    def __init__(self, *args, line=None, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        self.fields["organisation"].choices = [(o.pk, f"{o.name} ({o.get_place_display()})") for o in candidates]
        self.fields["amount"].label = f"How much did it receive? ({'£' if line.measure.unit == '£' else line.measure.unit})"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") is None and not (cleaned.get("name") or "").strip():
            field = "organisation" if self.fields["organisation"].choices else "name"
            self.add_error(field, "Pick the recipient from the register, or give its name")
        return cleaned


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label="Is this right?",
        choices=[(Confirmation.CONFIRMED, "Yes, we confirm it"), (Confirmation.DISPUTED, "No, we dispute it")],
        widget=forms.RadioSelect, error_messages={"required": "Choose whether you confirm or dispute this entry"},
    )
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed if you dispute it: say what is wrong. The reporting organisation and the ICB see it.",
        error_messages={"max_length": "Keep the comment to 2,000 characters"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Confirmation.DISPUTED and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Say what is wrong with this entry, so the reporting organisation can put it right")
        return cleaned


class CommitmentEditForm(OpportunitiesForm):
    public_figures = PublicForm.base_fields["public_figures"]
