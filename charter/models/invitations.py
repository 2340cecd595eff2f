"""Invitations to join an organisation: an admin invites a person by e-mail, with a role.

The e-mailed link is signed and expires (``INVITATION_DAYS``); resending makes a new nonce, so
earlier links stop working; an invitation is accepted once.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from charter.models.people import Organisation, Role


def new_nonce():
    return secrets.token_urlsafe(16)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    CANCELLED = "cancelled", "Cancelled"


class InvitationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Invitations a person may see: those of organisations they administer, or all for ICB admins."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_icb_admin:
            return self.all()
        return self.filter(organisation__in=Organisation.objects.administered_by(user))

    def pending(self):
        return self.filter(status=InvitationStatus.PENDING)


class Invitation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REPORTER)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(help_text="When the latest link was sent; it expires INVITATION_DAYS later.")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was accepted or cancelled.")

    history = HistoricalRecords()
    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "organisation", condition=models.Q(status="pending"),
                name="invitation_one_pending_per_email",
                violation_error_message="This person already has an invitation waiting. Resend it instead.",
            ),
        ]

    def __str__(self):
        return f"Invitation of {self.email} to {self.organisation} as {self.get_role_display()}"

    @property
    def expires_at(self):
        from datetime import timedelta

        return self.sent_at + timedelta(days=settings.INVITATION_DAYS)

    @property
    def is_expired(self):
        from django.utils import timezone

        return timezone.now() >= self.expires_at
