"""Quarterly returns: what an organisation delivered in a quarter, line by line, with evidence
and stories, reviewed by the commissioner. Approved returns are never changed; corrections are
amendments that go through review again.
"""

import os

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from toms.periods import Quarter


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Replaced by an approved amendment"


OPEN_RETURN_STATUSES = [ReturnStatus.DRAFT, ReturnStatus.SUBMITTED, ReturnStatus.CHANGES_REQUESTED]
EDITABLE_RETURN_STATUSES = [ReturnStatus.DRAFT, ReturnStatus.CHANGES_REQUESTED]


class ReturnQuerySet(models.QuerySet):
    def for_user(self, user):
        """Returns a person may see: their organisations' own, those submitted on contracts their
        organisation commissions, or all for the ICB."""
        from charter.models import Organisation

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb:
            return self.all()
        mine = Organisation.objects.for_user(user).values("pk")
        own = Return.objects.filter(organisation__in=mine).order_by().values("pk")
        # A commissioner sees a supplier's return once it has been submitted, not its drafts.
        commissioned = (
            Return.objects.filter(contract__commissioner__in=mine).exclude(status=ReturnStatus.DRAFT).order_by().values("pk")
        )
        # Two index lookups joined by UNION ALL, not one OR across a join: PostgreSQL cannot serve
        # that OR from an index and read every return in the system (1.4 s for a page at 224,000).
        return self.filter(pk__in=own.union(commissioned, all=True))

    def in_quarter(self, quarter):
        return self.filter(year=quarter.year, quarter=quarter.number)

    def current(self):
        """Each (organisation, contract, quarter)'s return that counts: not superseded."""
        return self.exclude(status=ReturnStatus.SUPERSEDED)


class Return(models.Model):
    organisation = models.ForeignKey("charter.Organisation", on_delete=models.PROTECT, related_name="returns")
    contract = models.ForeignKey(
        "commitments.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
        help_text="Blank for the organisation's own social value, outside any contract.",
    )
    year = models.PositiveSmallIntegerField(help_text="Financial year's start year: 2025 is 2025/26.")
    quarter = models.PositiveSmallIntegerField(choices=[(n, f"Q{n}") for n in range(1, 5)])
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    amendment_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        help_text="The approved return this one corrects.",
    )
    # Optimistic locking: each save of the draft bumps it; a save from a stale page is refused.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who last started, saved or amended the draft's figures: with submitted_by, the people who
    # may not review it (nobody reviews their own work).
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attested = models.BooleanField(
        default=False,
        help_text="The reporter confirmed the figures relate only to this contract (or organisation) "
        "and quarter, and are not counted in another return.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(blank=True, max_length=4000)

    history = HistoricalRecords()
    objects = ReturnQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "organisation__name"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="return_quarter_1_to_4"),
            # One return being worked on, and one approved, per organisation, contract and quarter.
            models.UniqueConstraint(
                fields=["organisation", "contract", "year", "quarter"],
                condition=Q(status__in=OPEN_RETURN_STATUSES) & Q(contract__isnull=False),
                name="one_open_contract_return_per_quarter",
                violation_error_message="There is already a return in progress for this contract and quarter.",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "quarter"],
                condition=Q(status__in=OPEN_RETURN_STATUSES) & Q(contract__isnull=True),
                name="one_open_own_return_per_quarter",
                violation_error_message="There is already an organisation-wide return in progress for this quarter.",
            ),
            models.UniqueConstraint(
                fields=["organisation", "contract", "year", "quarter"],
                condition=Q(status=ReturnStatus.APPROVED) & Q(contract__isnull=False),
                name="one_approved_contract_return_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "quarter"],
                condition=Q(status=ReturnStatus.APPROVED) & Q(contract__isnull=True),
                name="one_approved_own_return_per_quarter",
            ),
        ]
        indexes = [
            # Dashboards and due lists select returns by quarter and status.
            models.Index(fields=["year", "quarter", "status"], name="return_quarter_status_idx"),
            # Which contracts are done for a quarter, read from the index alone: the due lists'
            # anti-join of every live contract against them.
            models.Index(
                fields=["year", "quarter", "contract"],
                condition=Q(status__in=[ReturnStatus.SUBMITTED, ReturnStatus.APPROVED]) & Q(contract__isnull=False),
                name="return_done_contract_idx",
            ),
        ]

    def __str__(self):
        what = self.contract.reference if self.contract_id else "organisation-wide"
        return f"{self.organisation} – {what} – {self.period}"

    def get_absolute_url(self):
        return reverse("commitments:return-detail", args=[self.pk])

    @property
    def period(self):
        return Quarter(self.year, self.quarter)

    @property
    def is_editable(self):
        return self.status in EDITABLE_RETURN_STATUSES

    @property
    def is_amendment(self):
        return self.amendment_of_id is not None


class ReturnLine(models.Model):
    """The quantity delivered for one measure in a return, with what it was."""

    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines", db_column="return_id")
    measure = models.ForeignKey("toms.Measure", on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    narrative = models.TextField(blank=True, max_length=4000, help_text="What was delivered, and for whom.")
    flag = models.CharField(
        max_length=300, blank=True, help_text="Why the reviewer should look twice (set by the portal)."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__outcome__theme__order", "measure__outcome__order", "measure__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_obj", "measure"],
                name="return_line_measure_once",
                violation_error_message="A measure may appear only once in a return.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="return_line_quantity_not_negative",
                violation_error_message="A quantity cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.measure.code}: {self.quantity}"


def evidence_path(instance, filename):
    return f"evidence/{instance.return_obj.organisation_id}/{instance.return_obj_id}/{os.path.basename(filename)}"


class Evidence(models.Model):
    """A file that backs up a return: a payroll summary, an invoice, a photo."""

    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="evidence", db_column="return_id")
    file = models.FileField(upload_to=evidence_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.name


class CaseStudy(models.Model):
    """The story behind the numbers."""

    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="case_studies", db_column="return_id")
    title = models.CharField(max_length=200)
    story = models.TextField(max_length=8000)
    outcome = models.TextField("what changed", max_length=4000, blank=True)
    consent_to_publish = models.BooleanField(
        default=False, help_text="The people in the story agreed that it may be published."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "case studies"

    def __str__(self):
        return self.title


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class ReturnReminder(models.Model):
    """A reminder e-mail sent about one return, so that each is sent once however often the
    scheduled task runs."""

    organisation = models.ForeignKey("charter.Organisation", on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey("commitments.Contract", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "contract", "year", "quarter", "kind"], name="reminder_sent_once"
            ),
        ]

    def __str__(self):
        return f"{self.kind} reminder: {self.contract} {Quarter(self.year, self.quarter)}"
