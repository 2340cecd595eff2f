"""The Partner VCFSE commitment: an organisation's baseline of what it spends with, gives to and
volunteers for the VCFSE sector (NT14–NT17), the opportunities it has identified and its targets
to grow year on year; and the VCFSE organisations named on return lines as having benefited, with
their own word on it (confirmed or disputed).

Progress is never typed here: it is read from approved returns (commitments.services.vcfse).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from charter.models import Organisation, Place
from toms.periods import financial_year_label

# Baselines and targets: pounds or hours, up to a hundred billion, to the penny or hundredth hour.
AMOUNT_DIGITS, AMOUNT_PLACES = 16, 4
AMOUNT_LIMIT = 10**11


class OpportunityKind(models.TextChoices):
    """The roadmap's kinds of VCFSE collaboration (section 8.1)."""

    JOINT_PROGRAMMES = "joint_programmes", "Joint programmes of work"
    SUPPLY_CHAIN = "supply_chain", "VCFSE organisations in the supply chain"
    FINANCIAL_DONATIONS = "financial_donations", "Financial donations"
    PRO_BONO = "pro_bono", "Pro-bono expertise"
    PAID_VOLUNTEERING = "paid_volunteering", "Paid volunteering"
    IN_KIND = "in_kind", "In-kind space, equipment or intellectual assets"


class BaselineMethod(models.TextChoices):
    RETURNS = "returns", "From our approved returns on the portal"
    RECORDS = "records", "From our own finance or HR records"
    ESTIMATE = "estimate", "A reasoned estimate"


class PartnerCommitmentQuerySet(models.QuerySet):
    def for_user(self, user):
        """Commitments a person may see privately: their organisations', or all for the ICB."""
        return self.filter(organisation__in=Organisation.objects.for_user(user).values("pk"))


class PartnerCommitment(models.Model):
    """One organisation's Partner VCFSE commitment; its history is kept."""

    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="partner_commitment")
    baseline_year = models.PositiveSmallIntegerField(help_text="The financial year's start year: 2024 is 2024/25.")
    opportunity_kinds = models.JSONField(default=list, blank=True, help_text="Kinds of collaboration identified.")
    opportunities = models.TextField(
        "opportunities identified", max_length=4000, blank=True,
        help_text="The key opportunities to increase collaboration with the VCFSE sector in C&M.",
    )
    public_figures = models.BooleanField(
        "figures are public", default=False,
        help_text="Show baselines, targets and progress on the public register.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PartnerCommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self):
        return f"{self.organisation}: Partner VCFSE from {self.baseline_label}"

    def get_absolute_url(self):
        return reverse("commitments:vcfse-commitment", args=[self.organisation_id])

    @property
    def baseline_label(self):
        return financial_year_label(self.baseline_year)

    @property
    def opportunity_labels(self):
        return [OpportunityKind(k).label for k in self.opportunity_kinds if k in OpportunityKind.values]


class Baseline(models.Model):
    """The baseline year's figure for one measure, and how it was worked out."""

    commitment = models.ForeignKey(PartnerCommitment, on_delete=models.CASCADE, related_name="baselines")
    measure = models.ForeignKey("toms.Measure", on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)
    method = models.CharField(max_length=10, choices=BaselineMethod.choices)
    how = models.TextField("how it was worked out", max_length=2000, blank=True)
    proposed = models.DecimalField(
        max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True,
        help_text="What the approved returns for the baseline year summed to when it was set.",
    )
    reason = models.TextField(
        max_length=2000, blank=True, help_text="Why the baseline differs from the approved returns (shown to the ICB)."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__order", "measure__code"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "measure"], name="vcfse_baseline_once"),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="vcfse_baseline_not_negative",
                violation_error_message="A baseline cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.measure.code} baseline {self.value}"

    @property
    def differs_from_returns(self):
        return self.proposed is not None and self.value != self.proposed


class Target(models.Model):
    """The target for one measure in one financial year. Revisions keep their reason in history."""

    commitment = models.ForeignKey(PartnerCommitment, on_delete=models.CASCADE, related_name="targets")
    measure = models.ForeignKey("toms.Measure", on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)
    reason = models.TextField(max_length=2000, blank=True, help_text="Why it was set or revised.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__order", "measure__code", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "measure", "financial_year"], name="vcfse_target_once",
                violation_error_message="This measure already has a target for that year.",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="vcfse_target_not_negative",
                violation_error_message="A target cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.measure.code} {self.year_label}: {self.value}"

    @property
    def year_label(self):
        return financial_year_label(self.financial_year)


class Confirmation(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Not yet confirmed"
    CONFIRMED = "confirmed", "Confirmed by the recipient"
    DISPUTED = "disputed", "Disputed by the recipient"


class RecipientQuerySet(models.QuerySet):
    def for_user(self, user):
        """Recipient entries a person may see: on returns they may see, or naming their own
        organisation (what was reported as given to it, once the return was submitted)."""
        from commitments.models.returns import Return, ReturnStatus

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb:
            return self.all()
        mine = Organisation.objects.for_user(user).values("pk")
        return self.filter(
            Q(line__return_obj__in=Return.objects.for_user(user).values("pk"))
            | (Q(organisation__in=mine) & ~Q(line__return_obj__status=ReturnStatus.DRAFT))
        )

    def in_cm(self):
        return self.exclude(self._outside())

    def outside_cm(self):
        return self.filter(self._outside())

    @staticmethod
    def _outside():
        return Q(organisation__place=Place.OUTSIDE) | Q(organisation__isnull=True, place=Place.OUTSIDE)


class ReturnLineRecipient(models.Model):
    """A VCFSE organisation that received part of a line's spend, advice, resources or hours:
    registered on the portal, or named with its charity number until it is."""

    line = models.ForeignKey("commitments.ReturnLine", on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="vcfse_receipts"
    )
    name = models.CharField(max_length=200, blank=True, help_text="For a recipient not on the portal yet.")
    charity_number = models.CharField("registered charity number", max_length=10, blank=True)
    place = models.CharField(
        max_length=20, choices=Place.choices, blank=True,
        help_text="For a recipient not on the portal: where it is based.",
    )
    amount = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)
    status = models.CharField(max_length=12, choices=Confirmation.choices, default=Confirmation.UNCONFIRMED)
    comment = models.TextField(max_length=2000, blank=True, help_text="The recipient's comment.")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = RecipientQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(name=""), name="vcfse_recipient_named",
                violation_error_message="Pick the recipient from the register, or give its name.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="vcfse_recipient_amount_not_negative",
                violation_error_message="An amount cannot be negative.",
            ),
        ]
        indexes = [
            # A VCFSE's own page lists what was reported as given to it.
            models.Index(fields=["organisation", "status"], name="vcfse_recipient_org_idx"),
        ]

    def __str__(self):
        return f"{self.display_name}: {self.amount}"

    @property
    def display_name(self):
        return self.organisation.name if self.organisation_id else self.name

    @property
    def recipient_place(self):
        return self.organisation.place if self.organisation_id else self.place

    @property
    def in_cm(self):
        return self.recipient_place != Place.OUTSIDE
