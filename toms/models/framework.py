"""The C&M TOM framework as data: themes, outcomes, measures and proxy values by year.

The catalogue is loaded from fixtures/ by ``load_framework`` and can be corrected and extended
by an ICB admin; nothing in the code assumes how many measures there are.
"""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from toms.periods import financial_year_label


class Theme(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Outcome(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="outcomes")
    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["theme__order", "order", "name"]

    def __str__(self):
        return self.name


class ValueKind(models.TextChoices):
    NUMBER = "number", "Number"
    MONEY = "money", "Money (£)"
    PERCENTAGE = "percentage", "Percentage"
    YES_NO = "yes_no", "Yes or no"


class Combination(models.TextChoices):
    """How a measure's quarterly figures add up over time and across organisations."""

    SUMMED = "summed", "Summed (amounts, hours, weeks, tonnes; FTE pro rata for the quarter)"
    SHARE = "share", "Share (a percentage: median and range across organisations, never summed)"
    YES_NO = "yes_no", "Yes or no (how many said yes, of how many reported)"


COMBINATION_FOR_KIND = {
    ValueKind.NUMBER: Combination.SUMMED,
    ValueKind.MONEY: Combination.SUMMED,
    ValueKind.PERCENTAGE: Combination.SHARE,
    ValueKind.YES_NO: Combination.YES_NO,
}

# One person working full time for a whole quarter is a quarter of an FTE-year.
FTE_PRO_RATA_HELP = (
    "FTE is counted pro rata for the quarter, in FTE-years: one person working full time for the "
    "whole quarter is 0.25; two people half time for the quarter is also 0.25. Quarters then add "
    "up to a year, and the proxy value per FTE-year applies."
)


class MeasureQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def partner_vcfse(self):
        return self.filter(is_partner_vcfse=True)

    def with_structure(self):
        return self.select_related("outcome__theme")


class Measure(models.Model):
    """One TOM measure, such as NT14 'Total amount (£) spent with VCSEs in your supply chain'."""

    code = models.CharField(max_length=20, unique=True, help_text="The TOM reference, like NT14.")
    title = models.TextField()
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="measures")
    unit = models.CharField(max_length=40, help_text="What one unit is: FTE, hours, weeks, £, %…")
    value_kind = models.CharField(max_length=12, choices=ValueKind.choices)
    is_partner_vcfse = models.BooleanField(
        "Partner VCFSE measure", default=False,
        help_text="A key measure of the Partner VCFSE commitment (NT14 to NT17).",
    )
    combination = models.CharField(
        max_length=10, choices=Combination.choices, default=Combination.SUMMED,
        help_text="How quarterly figures add up over time and across organisations.",
    )
    guidance = models.TextField(blank=True, help_text="What to count, and what not to.")
    needs_review = models.BooleanField(
        default=False, help_text="The text or code awaits confirmation by the ICB."
    )
    review_note = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Inactive measures take no new returns.")

    history = HistoricalRecords()
    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["outcome__theme__order", "outcome__order", "order", "code"]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("toms:measure-detail", args=[self.code])

    @property
    def theme(self):
        return self.outcome.theme

    @property
    def is_fte(self):
        return self.unit.strip().upper() == "FTE"


class ProxyValue(models.Model):
    """£ of social value per unit of a measure in one financial year, with where it comes from."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="proxy_values")
    financial_year = models.PositiveSmallIntegerField(
        help_text="The start year of the financial year: 2025 means 2025/26."
    )
    value = models.DecimalField(
        "£ per unit", max_digits=14, decimal_places=2,
        help_text="Social value in pounds for one unit of the measure.",
    )
    source = models.CharField(
        max_length=300, help_text="Where the value comes from, e.g. 'C&M TOMs 2025 (licensed)'."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__code", "-financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "financial_year"], name="proxy_value_measure_year_unique",
                violation_error_message="This measure already has a proxy value for that year.",
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="proxy_value_not_negative",
                violation_error_message="A proxy value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__gte=2000, financial_year__lte=2100),
                name="proxy_value_year_sensible",
                violation_error_message="Give the financial year's start year, like 2025.",
            ),
        ]

    def __str__(self):
        return f"{self.measure.code} {self.financial_year_label}: £{self.value} ({self.source})"

    @property
    def financial_year_label(self):
        return financial_year_label(self.financial_year)


class Adjustment(models.Model):
    """The ICB's deadweight and attribution for a measure in one financial year, with a source:
    the adjusted £ = gross £ × (1 − deadweight) × (1 − attribution)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="adjustments")
    financial_year = models.PositiveSmallIntegerField(
        help_text="The start year of the financial year: 2025 means 2025/26."
    )
    deadweight = models.DecimalField(
        "deadweight (%)", max_digits=5, decimal_places=2,
        help_text="The share of the outcome that would have happened anyway, as a percentage.",
    )
    attribution = models.DecimalField(
        "attribution to others (%)", max_digits=5, decimal_places=2,
        help_text="The share of the outcome due to other people's work, as a percentage.",
    )
    source = models.CharField(max_length=300, help_text="Where the assumptions come from.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__code", "-financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "financial_year"], name="adjustment_measure_year_unique",
                violation_error_message="This measure already has deadweight and attribution for that year.",
            ),
            models.CheckConstraint(
                condition=models.Q(deadweight__gte=0, deadweight__lte=100, attribution__gte=0, attribution__lte=100),
                name="adjustment_percentages_0_to_100",
                violation_error_message="Deadweight and attribution are percentages from 0 to 100.",
            ),
        ]

    def __str__(self):
        return (
            f"{self.measure.code} {financial_year_label(self.financial_year)}: deadweight {self.deadweight}%, "
            f"attribution {self.attribution}% ({self.source})"
        )

    @property
    def financial_year_label(self):
        return financial_year_label(self.financial_year)
