"""The dashboard's filters (read from the URL, so a filtered view can be shared) and the
snapshot rebuild form."""

from django import forms

from charter.models import Organisation, Place, Sector
from reporting.selectors import Filters
from toms.periods import Quarter, financial_year_label


def quarter_choices(snapshots):
    return [("", "Latest")] + [(f"{s.year}-{s.quarter}", str(s.period)) for s in reversed(snapshots)]


class DashboardFilterForm(forms.Form):
    quarter = forms.ChoiceField(required=False, label="Quarter")
    year = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Financial year")
    place = forms.ChoiceField(required=False, label="Place", choices=[("", "All places"), *list(Place.choices)])
    sector = forms.ChoiceField(required=False, label="Sector", choices=[("", "All sectors"), *list(Sector.choices)])
    commissioner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Commissioner")

    def __init__(self, data, *, snapshots, with_commissioner=True):
        super().__init__(data)
        self.fields["quarter"].choices = quarter_choices(snapshots)
        years = sorted({s.year for s in snapshots}, reverse=True)
        self.fields["year"].choices = [("", "Any")] + [(y, financial_year_label(y)) for y in years]
        if with_commissioner:
            commissioners = Organisation.objects.filter(contracts_commissioned__isnull=False).distinct().order_by("name")
            self.fields["commissioner"].choices = [("", "All commissioners")] + [
                (o.pk, o.name) for o in commissioners.only("pk", "name")
            ]
        else:
            del self.fields["commissioner"]

    def filters(self):
        """The chosen filters; a value that is not offered is dropped (the form says which)."""
        data = self.cleaned_data if self.is_valid() else {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
        }
        quarter = None
        if data.get("quarter"):
            year, number = data["quarter"].split("-")
            quarter = Quarter(int(year), int(number))
        return Filters(
            place=data.get("place") or "",
            sector=data.get("sector") or "",
            commissioner=data.get("commissioner"),
            year=data.get("year"),
            quarter=quarter,
        )


class RebuildForm(forms.Form):
    quarter = forms.CharField(
        label="Quarter to rebuild", help_text="For example 2025/26 Q1.", max_length=20
    )

    def clean_quarter(self):
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
