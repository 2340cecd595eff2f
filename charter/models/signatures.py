"""The Social Value Charter, its versions, and organisations' signatures of it."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class CharterVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self):
        """The newest published version, which new signatures sign."""
        return self.published().order_by("-number").first()


class CharterVersion(models.Model):
    """One published text of the Charter. Signatures record which one they signed."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200, default="Cheshire and Merseyside Social Value Charter")
    summary = models.TextField(blank=True, help_text="One paragraph shown above the text.")
    body = models.TextField(
        help_text="The charter text in Markdown: ## headings, - bullet lists, paragraphs. "
        "Raw HTML is shown as text, never run."
    )
    commitment_statement = models.TextField(
        help_text="The sentence a signatory agrees to, e.g. 'By signing this Charter, we are "
        "committed to its principles…'"
    )
    principles = models.JSONField(
        default=list, blank=True, help_text="The principles an organisation may pledge to focus on."
    )
    priorities = models.JSONField(
        default=list, blank=True, help_text="The Marmot priorities an organisation may pledge to."
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Set to publish; the newest published version is signed."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = CharterVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]

    def __str__(self):
        return f"{self.title}, version {self.number}"

    @property
    def is_published(self):
        return self.published_at is not None


class SignatureStatus(models.TextChoices):
    PENDING = "pending", "Awaiting e-mail confirmation"
    AWAITING_CHECK = "awaiting_check", "Awaiting ICB check of the e-mail address"
    LIVE = "live", "Live"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Replaced by a newer signature"
    CLOSED = "closed", "Closed: another claim on the organisation was established"


OPEN_STATUSES = [SignatureStatus.PENDING, SignatureStatus.AWAITING_CHECK]


def _new_nonce():
    return secrets.token_urlsafe(16)


class SignatureQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status=SignatureStatus.LIVE)

    def on_register(self):
        """What the public register shows: live signatures not hidden by moderation."""
        return self.live().filter(is_hidden=False)

    def for_user(self, user):
        """Signatures a person may see privately: their organisations', or all for the ICB."""
        from charter.models.people import Organisation

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb:
            return self.all()
        return self.filter(organisation__in=Organisation.objects.for_user(user))


class Signature(models.Model):
    """An organisation's signature of one version of the Charter, and what it pledged."""

    organisation = models.ForeignKey(
        "charter.Organisation", on_delete=models.PROTECT, related_name="signatures"
    )
    version = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="signatures")
    status = models.CharField(
        max_length=20, choices=SignatureStatus.choices, default=SignatureStatus.PENDING
    )
    signatory_name = models.CharField(max_length=150)
    designation = models.CharField(max_length=150, help_text="The signatory's job title.")
    signatory_email = models.EmailField("signatory's work e-mail")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="signatures_submitted",
    )
    principles = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    statement = models.TextField(
        blank=True, max_length=1000, help_text="What the organisation will do, in its own words."
    )
    # A signatory whose e-mail is not at the organisation's domain is warned; the signature waits
    # for an ICB admin to accept the address before it goes live.
    email_needs_check = models.BooleanField(default=False)
    email_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The ICB admin who accepted the address (and the claim, for a claim that needs it).",
    )
    # A signature by someone who is not already an admin of the organisation is also a claim to
    # manage it. The claim grants nothing until it is established: the signatory confirms from an
    # address at the domain of an organisation registered in the same journey, or an ICB admin
    # accepts it. Several claims may wait at once; establishing one closes the others.
    claims_organisation = models.BooleanField(default=False)
    registers_organisation = models.BooleanField(
        default=False, help_text="The organisation was registered in the journey that made this signature."
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who becomes the organisation's admin once the claim is established. For a visitor "
        "who was not signed in, the account of the signatory's address, known once the link is followed.",
    )
    # For a visitor who was not signed in: the hash of the password they chose, for the account
    # made for the signatory's address when the link is followed, if that address has none yet.
    claimant_password = models.CharField(max_length=128, blank=True, editable=False)
    confirmation_nonce = models.CharField(max_length=40, default=_new_nonce, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    live_from = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True, max_length=1000)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_hidden = models.BooleanField("hidden from the public register", default=False)
    hidden_reason = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["claimant_password"])
    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The register lists live, visible signatures, newest first.
            models.Index(fields=["status", "is_hidden", "-live_from"], name="signature_register_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(status=SignatureStatus.LIVE),
                name="one_live_signature_per_organisation",
                violation_error_message="This organisation already has a live signature.",
            ),
            # Admins' signatures: one waiting at a time. Claims do not block each other.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status__in=OPEN_STATUSES, claims_organisation=False),
                name="one_open_signature_per_organisation",
                violation_error_message="A signature for this organisation is already awaiting confirmation.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SignatureStatus.LIVE) | models.Q(live_from__isnull=False),
                name="live_signature_has_start",
                violation_error_message="A live signature records when it went live.",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – version {self.version.number} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("charter:register-entry", args=[self.organisation.slug])

    @property
    def is_live(self):
        return self.status == SignatureStatus.LIVE

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def needs_icb(self):
        """An ICB admin must accept it: an address not at the organisation's domain, or a claim
        on an organisation that was registered before this journey."""
        return self.email_needs_check or (self.claims_organisation and not self.registers_organisation)

    @property
    def waits_for_icb(self):
        return self.is_open and self.needs_icb and not self.email_checked_by_id
