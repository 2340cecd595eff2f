"""Forms for quarterly returns, and the rows of the return form. The figures themselves are
checked by the return services (the same rules as the spreadsheet and the API); these forms only
carry what was typed, and say what each row's measure was committed and delivered."""

from dataclasses import dataclass, field

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.db.models import Sum

from commitments.models import CaseStudy, ReturnLine, ReturnStatus
from commitments.services import evidence
from commitments.services import returns as rs
from toms.codes import short_title
from toms.models import Measure, ValueKind
from toms.quantities import QuantityError, format_amount, format_quantity, parse_quantity

LEVEL_KINDS = {ValueKind.PERCENTAGE, ValueKind.YES_NO}


def _helper(*fields):
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


class LineForm(forms.Form):
    """One line of the return form: a measure (fixed on the row), a quantity and a narrative."""

    measure = forms.CharField(widget=forms.HiddenInput, required=False)
    quantity = forms.CharField(
        required=False, max_length=40, error_messages={"max_length": "Enter a quantity of at most 40 characters."}
    )
    narrative = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"max_length": "Keep the narrative to 4,000 characters."},
    )


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "line")
        super().__init__(*args, **kwargs)


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=0, max_num=500, absolute_max=500)


def measure_choices(exclude=()):
    """Active measures grouped by theme, for the 'add a measure' list."""
    groups, current, theme = [], None, None
    measures = Measure.objects.active().with_structure().exclude(code__in=list(exclude))
    for m in measures:
        if m.outcome.theme_id != theme:
            theme = m.outcome.theme_id
            current = (m.outcome.theme.name, [])
            groups.append(current)
        title = short_title(m.title, 90)
        current[1].append((m.code, f"{m.code} – {title} ({m.unit})"))
    return groups


class StartReturnForm(forms.Form):
    subject = forms.ChoiceField(
        label="What is the return for?",
        error_messages={"required": "Choose the contract, or organisation-wide social value"},
    )
    quarter = forms.ChoiceField(label="Quarter", error_messages={"required": "Choose the quarter"})

    def __init__(self, *args, subjects, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "Choose one"), *subjects]
        self.fields["quarter"].choices = [("", "Choose a quarter"), *quarters]
        self.helper = _helper(Field.select("subject"), Field.select("quarter"))


class SubmitForm(forms.Form):
    attested = forms.BooleanField(
        required=True,
        error_messages={
            "required": "Confirm that the figures relate only to this return's contract (or your organisation) "
            "and quarter, and are not counted in another return"
        },
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, ret, **kwargs):
        super().__init__(*args, **kwargs)
        what = f"contract {ret.contract.reference}" if ret.contract_id else f"{ret.organisation.name}'s own work"
        self.fields["attested"].label = (
            f"I confirm that these figures relate only to {what} and to {ret.period}, "
            "and are not counted in any other return"
        )
        self.helper = _helper(Field.checkbox("attested"), "revision")


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the supplier",
        help_text="Needed if you request changes: say what needs to change. Optional if you approve.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Keep the comment to 4,000 characters"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("comment", label_size=Size.SMALL, rows=4))


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="File",
        error_messages={"required": "Choose a file to upload", "empty": "The file is empty"},
    )
    description = forms.CharField(
        label="What does it show? (optional)",
        help_text="For example: payroll summary for the apprentices, April to June.",
        required=False,
        max_length=300,
        error_messages={"max_length": "Keep the description to 300 characters"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        self.fields["file"].help_text = (
            f"A {evidence.allowed_types_text()} file, smaller than {filesizeformat(settings.MAX_EVIDENCE_BYTES + 1)}."
        )
        self.fields["file"].widget.attrs["accept"] = evidence.accept_attribute()
        self.helper = _helper("file", "description")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            evidence.check_file(upload)
        except evidence.EvidenceError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class CaseStudyForm(forms.ModelForm):
    class Meta:
        model = CaseStudy
        fields = ["title", "story", "outcome", "consent_to_publish"]
        labels = {
            "title": "Title",
            "story": "The story",
            "outcome": "What changed as a result (optional)",
            "consent_to_publish": "The people in this story agreed that it may be published",
        }
        help_texts = {
            "title": "For example: From apprentice to site supervisor.",
            "story": "What happened, who it was for and how the contract made it possible. "
            "Leave out names unless the people agreed.",
            "outcome": "",
            "consent_to_publish": "Without consent, the story is seen only by your commissioner and the ICB.",
        }
        error_messages = {
            "title": {"required": "Enter a title for the case study"},
            "story": {"required": "Tell the story", "max_length": "Keep the story to 8,000 characters"},
        }
        widgets = {"story": forms.Textarea(attrs={"rows": 8}), "outcome": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "title",
            Field.textarea("story", rows=8, max_characters=8000),
            Field.textarea("outcome", rows=3),
            Field.checkbox("consent_to_publish"),
        )


# --- what a return's lines mean to the people looking at them -----------------------------


@dataclass
class Target:
    """What was committed for a measure, as people read it."""

    text: str
    delivered_elsewhere: object = None  # quantity in the contract's other approved quarters


def targets_for(ret):
    """Per measure id: the commitment that applies to this return's year, and delivery so far."""
    if not ret.contract_id:
        return {}
    whole, this_year, by_year, measures = {}, {}, {}, {}
    for c in ret.contract.commitments.select_related("measure"):
        measures[c.measure_id] = c.measure
        if c.financial_year is None:
            whole[c.measure_id] = c.target_quantity
        else:
            by_year[c.measure_id] = by_year.get(c.measure_id, 0) + c.target_quantity
            if c.financial_year == ret.year:
                this_year[c.measure_id] = c.target_quantity
    delivered = dict(
        ReturnLine.objects.filter(return_obj__contract_id=ret.contract_id, return_obj__status=ReturnStatus.APPROVED)
        .exclude(return_obj__year=ret.year, return_obj__quarter=ret.quarter)
        .values_list("measure")
        .annotate(total=Sum("quantity"))
    )
    targets = {}
    for pk, measure in measures.items():
        if pk in this_year:
            text = f"{format_amount(measure, this_year[pk])} in {ret.period.financial_year_label}"
        elif pk in whole:
            text = f"{format_amount(measure, whole[pk])} over the contract"
        else:
            text = f"{format_amount(measure, by_year[pk])} over the contract, by year"
        # A percentage or a yes/no is a level, not an amount: quarters do not add up.
        done = delivered.get(pk) if measure.value_kind not in LEVEL_KINDS else None
        targets[pk] = Target(text, format_amount(measure, done) if done else None)
    return targets


def committed_measure_ids(ret):
    if not ret.contract_id:
        return []
    return list(ret.contract.commitments.values_list("measure_id", flat=True).distinct())


# --- the rows of the return form -----------------------------------------------------------


@dataclass
class Row:
    form: object
    number: int
    measure: Measure | None
    committed: bool
    target: Target | None = None
    errors: list = field(default_factory=list)  # about the line as a whole (its measure)
    now_saved: str | None = None  # after a refused stale save: what the return now holds
    now_saved_narrative: str | None = None

    @property
    def is_yes_no(self):
        return self.measure is not None and self.measure.value_kind == ValueKind.YES_NO

    @property
    def has_errors(self):
        return bool(self.errors or self.form.errors)


def initial_rows(ret):
    """Committed measures first, then the other measures already on the return."""
    committed = committed_measure_ids(ret)
    saved = {line.measure_id: line for line in ret.lines.select_related("measure")}
    measures = Measure.objects.filter(pk__in=set(committed) | set(saved)).order_by(
        "outcome__theme__order", "outcome__order", "order", "code"
    )
    ordered = sorted(measures, key=lambda m: m.pk not in committed)  # stable: framework order within each
    initial = []
    for m in ordered:
        line = saved.get(m.pk)
        initial.append(
            {
                "measure": m.code,
                "quantity": format_quantity(m, line.quantity) if line else "",
                "narrative": line.narrative if line else "",
            }
        )
    return initial


def form_rows(formset, ret):
    codes = [(form["measure"].value() or "").strip().upper() for form in formset.forms]
    measures = {m.code.upper(): m for m in Measure.objects.filter(code__in=[c for c in codes if c])}
    committed = set(committed_measure_ids(ret))
    targets = targets_for(ret)
    rows = []
    for number, (form, code) in enumerate(zip(formset.forms, codes, strict=True), start=1):
        measure = measures.get(code)
        rows.append(
            Row(
                form=form,
                number=number,
                measure=measure,
                committed=measure is not None and measure.pk in committed,
                target=targets.get(measure.pk) if measure else None,
            )
        )
    return rows


def typed(form, name):
    value = form[name].value()
    return "" if value is None else str(value)


def lines_from(rows):
    """The lines to save, and the rows they came from. A row left blank is not reported."""
    lines, sources = [], []
    for row in rows:
        code = typed(row.form, "measure").strip()
        quantity, narrative = typed(row.form, "quantity"), typed(row.form, "narrative")
        if not quantity.strip() and not narrative.strip():
            continue
        lines.append(rs.LineInput(code, quantity, narrative))
        sources.append(row)
    return lines, sources


def _typed_quantity(measure, text):
    try:
        return parse_quantity(measure, text)
    except QuantityError:
        return None


def what_changed_meanwhile(ret, rows, message):
    """After a refused stale save: mark the rows whose saved quantity now differs from what this
    person typed, and list lines the other person added that this page does not have."""
    saved = {line.measure_id: line for line in ret.lines.select_related("measure")}
    for row in rows:
        if row.measure is None:
            continue
        line = saved.get(row.measure.pk)
        quantity = typed(row.form, "quantity").strip()
        if line is None:
            row.now_saved = "not reported" if quantity else None
            continue
        if not quantity or _typed_quantity(row.measure, quantity) != line.quantity:
            row.now_saved = format_amount(line.measure, line.quantity)
        if " ".join(typed(row.form, "narrative").split()) != " ".join(line.narrative.split()):
            row.now_saved_narrative = line.narrative or "(blank)"
    on_page = {row.measure.pk for row in rows if row.measure}
    extra = [line for pk, line in saved.items() if pk not in on_page]
    for line in extra:
        line.shown_quantity = format_amount(line.measure, line.quantity)
    return {"message": message, "extra": extra}
