"""Quarterly snapshots of the system-wide figures, built by a Celery task from approved returns,
and the report files built from them. Dashboards and PDFs read snapshots, never raw returns, so
they stay fast as the data grows.

Figures are kept per *scope*: the text ``place|sector|commissioner``, each part ``*`` for all
(``*|*|*`` is the whole system; ``liverpool|*|*`` one place; ``*|*|42`` one commissioner, where
``0`` means organisation-wide returns outside any contract). Every combination of the three
filters is built, so a filtered dashboard reads exact figures, medians included.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from toms.periods import Quarter

ALL = "*"


def scope_key(place=None, sector=None, commissioner=None):
    return "|".join(str(part) if part not in (None, "") else ALL for part in (place, sector, commissioner))


class SnapshotQuerySet(models.QuerySet):
    def built(self):
        return self.filter(built_at__isnull=False)

    def published(self):
        return self.built().filter(published_at__isnull=False)

    def for_quarter(self, quarter):
        return self.filter(year=quarter.year, quarter=quarter.number)


class Snapshot(models.Model):
    """One quarter's system-wide figures. Rebuilt in place: the row (and whether it is published)
    stays, its figures are replaced in one transaction."""

    year = models.PositiveSmallIntegerField(help_text="Financial year's start year: 2025 is 2025/26.")
    quarter = models.PositiveSmallIntegerField(choices=[(n, f"Q{n}") for n in range(1, 5)])
    built_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    returns_count = models.PositiveIntegerField(default=0, help_text="Approved returns included.")
    organisations_count = models.PositiveIntegerField(default=0)
    contracts_count = models.PositiveIntegerField(default=0)
    lines_count = models.PositiveIntegerField(default=0)
    signatures_to_date = models.PositiveIntegerField(
        default=0, help_text="Charter signatures live at the end of the quarter."
    )
    deadline = models.DateField(null=True, blank=True, help_text="When the quarter's returns were due.")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="snapshot_one_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="snapshot_quarter_1_to_4"),
        ]

    def __str__(self):
        return f"Snapshot {self.period}"

    @property
    def period(self):
        return Quarter(self.year, self.quarter)


class SnapshotMeasure(models.Model):
    """One measure's figures in one scope, combined as the measure says: ``quantity`` is the sum
    (summed measures), ``yes_count`` of ``reporters`` said yes (yes/no), ``median`` with ``low``
    and ``high`` across ``reporters`` organisations (shares). The figures that do not apply to a
    measure's combination are left blank (null), so that nobody reads a sum of percentages."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="measures")
    scope = models.CharField(max_length=60)
    measure = models.ForeignKey("toms.Measure", on_delete=models.PROTECT, related_name="+")
    lines = models.PositiveIntegerField()
    reporters = models.PositiveIntegerField(help_text="Organisations that reported the measure.")
    quantity = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, help_text="Summed measures only: a share or a yes/no is never summed."
    )
    yes_count = models.PositiveIntegerField(null=True, help_text="Yes/no measures only.")
    median = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    low = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    high = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    value_gross = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    value_adjusted = models.DecimalField(
        max_digits=20, decimal_places=2, null=True, help_text="Blank where the ICB set no deadweight or attribution."
    )
    unvalued_lines = models.PositiveIntegerField(default=0, help_text="Lines with no proxy value for the year.")

    class Meta:
        constraints = [
            # Its index also serves the dashboard, which reads one scope of one snapshot.
            models.UniqueConstraint(fields=["snapshot", "scope", "measure"], name="snapshot_measure_once"),
        ]

    def __str__(self):
        return f"{self.snapshot}: {self.scope} measure {self.measure_id}"


class SnapshotGroup(models.Model):
    """Totals for one scope: £, who reported, and the reporting rate (returns received against
    those expected from contracts live in the quarter, and how many on time)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="groups")
    scope = models.CharField(max_length=60)
    returns = models.PositiveIntegerField(default=0)
    organisations = models.PositiveIntegerField(default=0)
    contracts = models.PositiveIntegerField(default=0)
    value_gross = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    value_adjusted = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    contract_value_gross = models.DecimalField(
        max_digits=20, decimal_places=2, null=True, help_text="£ social value from contract returns."
    )
    expected = models.PositiveIntegerField(default=0, help_text="Contract returns owed for the quarter.")
    received = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    live_contract_value = models.DecimalField(
        max_digits=20, decimal_places=2, null=True, help_text="Value of the contracts live in the quarter."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "scope"], name="snapshot_group_once"),
        ]

    def __str__(self):
        return f"{self.snapshot}: {self.scope}"

    @property
    def reporting_rate(self):
        return round(100 * self.received / self.expected) if self.expected else None

    @property
    def on_time_rate(self):
        return round(100 * self.on_time / self.expected) if self.expected else None

    @property
    def value_per_pound(self):
        if not self.live_contract_value or self.contract_value_gross is None:
            return None
        return self.contract_value_gross / self.live_contract_value


class SnapshotContract(models.Model):
    """What one contract's approved return contributed in the quarter."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="contracts")
    contract = models.ForeignKey("commitments.Contract", on_delete=models.CASCADE, related_name="+")
    lines = models.PositiveIntegerField()
    value_gross = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    value_adjusted = models.DecimalField(max_digits=20, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "contract"], name="snapshot_contract_once"),
        ]
        indexes = [
            # The dashboard's contracts contributing most: the top ten read from the index.
            models.Index(fields=["snapshot", "-value_gross"], name="snapshot_contract_top_idx"),
        ]

    def __str__(self):
        return f"{self.snapshot}: contract {self.contract_id}"


class SnapshotMissing(models.Model):
    """A contract return owed for the quarter and not received when the snapshot was built."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="missing")
    contract = models.ForeignKey("commitments.Contract", on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey("charter.Organisation", on_delete=models.CASCADE, related_name="+")
    commissioner = models.ForeignKey("charter.Organisation", on_delete=models.CASCADE, related_name="+")
    place = models.CharField(max_length=20)
    sector = models.CharField(max_length=10)

    def __str__(self):
        return f"{self.snapshot}: contract {self.contract_id} return missing"


class SnapshotVcfse(models.Model):
    """Partner VCFSE delivery in the quarter (NT14 to NT17) by organisations that made the
    commitment: what their approved returns delivered, how much of it recipients confirmed, left
    unconfirmed or disputed, and the sum of their targets for the financial year. Scopes are
    place|sector|* only."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="vcfse")
    scope = models.CharField(max_length=60)
    measure = models.ForeignKey("toms.Measure", on_delete=models.PROTECT, related_name="+")
    organisations = models.PositiveIntegerField(default=0)
    delivered = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    confirmed = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    unconfirmed = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    disputed = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    year_target = models.DecimalField(max_digits=20, decimal_places=4, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "scope", "measure"], name="snapshot_vcfse_once"),
        ]

    def __str__(self):
        return f"{self.snapshot}: {self.scope} Partner VCFSE measure {self.measure_id}"


class BuildStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SnapshotBuild(models.Model):
    """A request to (re)build a quarter's snapshot, so the page can show its progress."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=BuildStatus.choices, default=BuildStatus.QUEUED)
    message = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    # A build takes seconds; one still queued or running after this long has lost its worker
    # (killed or restarted), and its transaction was rolled back with the previous figures kept.
    STALLED_AFTER = dt.timedelta(minutes=15)

    def __str__(self):
        return f"Build of {self.period}: {self.status_label}"

    @property
    def period(self):
        return Quarter(self.year, self.quarter)

    @property
    def stalled(self):
        return self.status in {BuildStatus.QUEUED, BuildStatus.RUNNING} and (
            timezone.now() - self.created_at > self.STALLED_AFTER
        )

    @property
    def finished(self):
        return self.status in {BuildStatus.DONE, BuildStatus.FAILED} or self.stalled

    @property
    def status_label(self):
        return "Stopped without finishing" if self.stalled else self.get_status_display()


class ReportKind(models.TextChoices):
    SYSTEM = "system", "System-wide quarterly report"
    PLACE = "place", "Place report"
    CONTRACT = "contract", "Contract report"
    ORGANISATION = "organisation", "Organisation report"


def report_path(instance, filename):
    return f"reports/{instance.requested_by_id or 0}/{instance.pk or 'new'}-{filename}"


class Report(models.Model):
    """A PDF report asked for by someone, built by Celery, offered for download and e-mailed."""

    kind = models.CharField(max_length=15, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=60, blank=True, help_text="The place, contract id or organisation id.")
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=BuildStatus.choices, default=BuildStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to=report_path, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title or f"{self.get_kind_display()} {self.period}"

    @property
    def period(self):
        return Quarter(self.year, self.quarter)
