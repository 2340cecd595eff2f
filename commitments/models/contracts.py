"""Contracts between a commissioner and a supplier, and the TOM commitments made at tender."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from charter.models import Organisation, Place
from toms.periods import FIRST_YEAR, LAST_YEAR, Quarter, financial_year_label, financial_year_of


class ContractQuerySet(models.QuerySet):
    def for_user(self, user):
        """Contracts a person may see: where one of their organisations commissions or supplies."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb:
            return self.all()
        mine = Organisation.objects.for_user(user).values("pk")
        return self.filter(Q(commissioner__in=mine) | Q(supplier__in=mine))

    def live_in(self, quarter):
        return self.filter(start_date__lte=quarter.end, end_date__gte=quarter.start)


class Contract(models.Model):
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts_commissioned")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts_supplied")
    reference = models.CharField(max_length=60, help_text="The commissioner's contract reference.")
    title = models.CharField(max_length=200)
    value = models.DecimalField("contract value (£)", max_digits=14, decimal_places=2)
    start_date = models.DateField()
    end_date = models.DateField()
    places_served = models.JSONField(default=list, blank=True, help_text="The places the contract serves.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "reference"],
                name="contract_reference_unique",
                violation_error_message="This commissioner already has a contract with that reference.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="contract_dates_in_order",
                violation_error_message="The contract cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="contract_value_not_negative",
                violation_error_message="The contract value cannot be negative.",
            ),
        ]
        indexes = [
            # Due returns: contracts live in a quarter, for a supplier.
            models.Index(fields=["supplier", "start_date", "end_date"], name="contract_supplier_dates_idx"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self):
        return reverse("commitments:contract-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.commissioner_id and self.commissioner_id == self.supplier_id:
            raise ValidationError({"supplier": "The supplier must be a different organisation from the commissioner."})
        bad = [p for p in self.places_served or [] if p not in Place.values]
        if bad:
            raise ValidationError({"places_served": f"Unknown place(s): {', '.join(bad)}."})
        # Dates the portal's quarters cover, so that no date arithmetic on them can fail.
        first, last = Quarter(FIRST_YEAR, 1).start, Quarter(LAST_YEAR, 4).end
        for name in ("start_date", "end_date"):
            day = getattr(self, name)
            if day and not FIRST_YEAR <= financial_year_of(day) <= LAST_YEAR:
                label = "start date" if name == "start_date" else "end date"
                raise ValidationError(
                    {name: f"The {label} must be between {first.day} {first:%B %Y} and {last.day} {last:%B %Y}."}
                )

    def is_live_in(self, quarter):
        return self.start_date <= quarter.end and self.end_date >= quarter.start

    @property
    def places_served_labels(self):
        return [Place(p).label for p in self.places_served if p in Place.values]


class Commitment(models.Model):
    """What the supplier promised at tender: a target quantity of a measure, over the contract
    or for one financial year of it."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="commitments")
    measure = models.ForeignKey("toms.Measure", on_delete=models.PROTECT, related_name="commitments")
    target_quantity = models.DecimalField(max_digits=16, decimal_places=4)
    financial_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank for the whole contract; else the start year, like 2025."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__code", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "measure"],
                condition=Q(financial_year__isnull=True),
                name="commitment_whole_contract_unique",
                violation_error_message="This measure already has a whole-contract commitment.",
            ),
            models.UniqueConstraint(
                fields=["contract", "measure", "financial_year"],
                condition=Q(financial_year__isnull=False),
                name="commitment_year_unique",
                violation_error_message="This measure already has a commitment for that year.",
            ),
            models.CheckConstraint(
                condition=Q(target_quantity__gte=0),
                name="commitment_target_not_negative",
                violation_error_message="A target cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.contract.reference} {self.measure.code}: {self.target_quantity} ({self.period_label})"

    @property
    def period_label(self):
        return financial_year_label(self.financial_year) if self.financial_year else "whole contract"
