"""Forms for recording a contract and its TOM commitments."""

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size
from django import forms
from django.db import transaction

from charter.models import Organisation, Place
from commitments.forms.returns import measure_choices
from commitments.models import Commitment, Contract
from commitments.services.contracts import set_commitment, supplier_change_refusal
from common.bounds import decimal_limit_problem
from toms.models import Measure
from toms.periods import financial_year_label, financial_year_of
from toms.quantities import QuantityError, read_decimal


def _date_field(label, hint):
    field = DateInputField(label=label, help_text=hint, require_all_fields=False)
    field.error_messages.update({"required": f"Enter the {label.lower()}", "incomplete": f"Enter the {label.lower()}"})
    return field


def parse_amount(raw, *, what="amount"):
    """A non-negative Decimal from what someone typed ('£1,250,000.50'), or ValidationError.

    Read as every figure is (toms.quantities): "0,5", "1,2,3" and "1_000" are refused, not 5,
    123 and 1000; a £ or % sign is let through, as the measure is checked elsewhere."""
    try:
        value = read_decimal(raw, value_kind=None, unit="", what=f"enter the {what} as a number, like 250000")
    except QuantityError as exc:
        if exc.code == "not_a_number" or not str(raw or "").strip():
            raise forms.ValidationError(f"Enter the {what} as a number, like 250000") from None
        raise forms.ValidationError(str(exc)) from None
    if value.is_signed():
        raise forms.ValidationError(f"The {what} cannot be negative")
    return value


class ContractForm(forms.ModelForm):
    value = forms.CharField(
        label="Contract value",
        help_text="The whole contract's value in pounds, like 1,250,000.",
        error_messages={"required": "Enter the contract value"},
    )
    start_date = _date_field("Start date", "For example, 1 4 2025")
    end_date = _date_field("End date", "For example, 31 3 2028")
    places_served = forms.MultipleChoiceField(
        label="Places served",
        help_text="Select all the places the contract serves.",
        choices=Place.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Contract
        fields = ["commissioner", "supplier", "reference", "title", "value", "start_date", "end_date", "places_served"]
        labels = {
            "commissioner": "Commissioning organisation",
            "supplier": "Supplier",
            "reference": "Contract reference",
            "title": "Title",
        }
        help_texts = {
            "supplier": "The organisation delivering the contract. It must be registered in the portal.",
            "reference": "Your own reference for the contract, like LCC-2025-014.",
            "title": "What the contract is for, like Facilities management for council buildings.",
        }
        error_messages = {
            "commissioner": {"required": "Choose the commissioning organisation"},
            "supplier": {"required": "Choose the supplier"},
            "reference": {"required": "Enter the contract reference"},
            "title": {"required": "Enter a title for the contract"},
        }

    def __init__(self, *args, commissioners, **kwargs):
        super().__init__(*args, **kwargs)
        commissioner = self.fields["commissioner"]
        commissioner.queryset = Organisation.objects.filter(pk__in=[o.pk for o in commissioners])
        commissioner.empty_label = None if len(commissioners) == 1 else "Choose an organisation"
        if self.instance.pk:
            commissioner.disabled = True
            commissioner.help_text = "A contract's commissioner cannot change."
            self.initial["value"] = f"{self.instance.value:,.2f}".replace(".00", "")
        supplier = self.fields["supplier"]
        supplier.queryset = Organisation.objects.order_by("name")
        supplier.empty_label = "Choose the supplier"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("commissioner"),
            Field.select("supplier"),
            Field.text("reference", field_width=Fluid.ONE_THIRD),
            Field.text("title"),
            Field.text("value", field_width=10),
            "start_date",
            "end_date",
            Field.checkboxes("places_served", legend_size=Size.SMALL, small=True),
        )

    def clean_value(self):
        value = parse_amount(self.cleaned_data["value"], what="contract value")
        if value.as_tuple().exponent < -2:
            raise forms.ValidationError("Give the contract value in pounds and pence, at most 2 decimal places")
        problem = decimal_limit_problem(Contract, "value", value, what="contract value")
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_supplier(self):
        supplier = self.cleaned_data["supplier"]
        refusal = supplier_change_refusal(self.instance, supplier)
        if refusal:
            raise forms.ValidationError(refusal)
        return supplier

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be the same as or after the start date")
        return cleaned


class CommitmentForm(forms.Form):
    measure = forms.ChoiceField(label="Measure", required=False)
    target = forms.CharField(label="Target quantity", required=False, max_length=30)
    financial_year = forms.ChoiceField(label="Period", required=False)
    remove = forms.BooleanField(label="Remove", required=False)

    def __init__(self, *args, measures, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Choose a measure"), *measures]
        self.fields["financial_year"].choices = [("", "Whole contract"), *years]
        for name, css in (("measure", "govuk-select"), ("target", "govuk-input govuk-input--width-10"),
                          ("financial_year", "govuk-select"), ("remove", "govuk-checkboxes__input")):
            self.fields[name].widget.attrs["class"] = css
        self.fields["target"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self):
        cleaned = super().clean()
        code, target = cleaned.get("measure"), (cleaned.get("target") or "").strip()
        if not code and not target:
            return cleaned
        if not code:
            self.add_error("measure", "Choose the measure this target is for")
        if not target:
            self.add_error("target", "Enter the target quantity")
        else:
            try:
                value = parse_amount(target, what="target")
            except forms.ValidationError as exc:
                self.add_error("target", exc)
            else:
                problem = decimal_limit_problem(Commitment, "target_quantity", value, what="target")
                if problem:
                    self.add_error("target", problem)
                cleaned["target_value"] = value
        return cleaned

    def mark_errors(self):
        """Give the inputs with errors GOV.UK's red border (call after validating)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] += f" {widget.attrs['class'].split()[0]}--error"

    @property
    def is_blank(self):
        data = getattr(self, "cleaned_data", {})
        return not data.get("measure") and not (data.get("target") or "").strip()


class BaseCommitmentFormSet(forms.BaseFormSet):
    def __init__(self, *args, contract, **kwargs):
        self.contract = contract
        self.measures = {m.code: m for m in Measure.objects.all()}
        first, last = financial_year_of(contract.start_date), financial_year_of(contract.end_date)
        self.years = [(str(y), financial_year_label(y)) for y in range(first, last + 1)]
        kwargs.setdefault("prefix", "commitment")
        kwargs.setdefault("form_kwargs", {})
        kwargs["form_kwargs"].update(measures=measure_choices(), years=self.years)
        super().__init__(*args, **kwargs)

    def clean(self):
        seen, whole, by_year = {}, set(), set()
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None)
            if data is None or form.errors or form.is_blank or data.get("remove"):
                continue
            code, year = data["measure"], data.get("financial_year") or None
            measure = self.measures.get(code)
            if measure is None:
                form.add_error("measure", "Choose a measure from the list")
                continue
            key = (code, year)
            period = financial_year_label(int(year)) if year else "the whole contract"
            if key in seen:
                form.add_error("measure", f"Row {number}: {code} already has a target for {period} on row {seen[key]}")
                continue
            seen[key] = number
            (by_year if year else whole).add(code)
            if code in whole and code in by_year:
                form.add_error(
                    "financial_year",
                    f"Row {number}: give {code} either one target for the whole contract or targets by year, not both",
                )

    def rows(self):
        """(measure, target, financial year or None) for every row that is kept."""
        kept = []
        for form in self.forms:
            data = form.cleaned_data
            if form.is_blank or data.get("remove"):
                continue
            year = data.get("financial_year")
            kept.append((self.measures[data["measure"]], data["target_value"], int(year) if year else None))
        return kept

    @transaction.atomic
    def save(self, user):
        """Make the contract's commitments exactly the rows kept. The caller has checked that
        ``user`` commissions the contract; set_commitment checks it again."""
        keep = []
        for measure, target, year in self.rows():
            keep.append(set_commitment(user, self.contract, measure, target, year).pk)
        self.contract.commitments.exclude(pk__in=keep).delete()  # the history keeps them


CommitmentFormSet = forms.formset_factory(
    CommitmentForm, formset=BaseCommitmentFormSet, extra=5, max_num=200, absolute_max=200
)


def commitment_initial(contract):
    return [
        {
            "measure": c.measure.code,
            "target": f"{c.target_quantity.normalize():f}",
            "financial_year": str(c.financial_year) if c.financial_year else "",
        }
        for c in contract.commitments.select_related("measure")
    ]
