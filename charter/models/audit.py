"""The audit log: sign-ins, failed sign-ins, approvals, withdrawals, role changes and changes
made in the Django admin, with who, when and from where. Written by ``charter.audit.record``
only, read by ICB admins; a row is never changed once written.

Who acted is kept twice: as a link to their account (cleared if the account is deleted) and as
the e-mail address they had, so the row still says who it was. A failed sign-in keeps the address
that was tried, in lower case, and never the password.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from charter.models.people import Organisation


class AuditKind(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    PASSWORD_CHANGED = "password_changed", "Password changed or reset"
    API_TOKEN_CREATED = "api_token_created", "API token made"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    RETURN_APPROVED = "return_approved", "Return approved"
    CHANGES_REQUESTED = "changes_requested", "Return sent back for changes"
    SIGNATURE_WITHDRAWN = "signature_withdrawn", "Charter signature withdrawn"
    MEMBER_ADDED = "member_added", "Joined an organisation"
    ROLE_CHANGED = "role_changed", "Role in an organisation changed"
    MEMBER_REMOVED = "member_removed", "Removed from an organisation"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_CANCELLED = "invitation_cancelled", "Invitation cancelled"
    ICB_ROLE_CHANGED = "icb_role_changed", "ICB role changed"
    ACCESS_CHANGED = "access_changed", "Account access changed"
    ADMIN_CHANGE = "admin_change", "Change in the Django admin"


class AuditEvent(models.Model):
    at = models.DateTimeField("when", default=timezone.now, db_index=True)
    kind = models.CharField("event", max_length=40, choices=AuditKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who acted, while their account exists.",
    )
    actor_email = models.CharField(
        "who", max_length=254, blank=True,
        help_text="The e-mail address of who acted; for a failed sign-in, the address tried.",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    target = models.CharField("about", max_length=300, blank=True, help_text="What or whom it was about.")
    ip_address = models.GenericIPAddressField("client address", null=True, blank=True)
    detail = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "-at"], name="audit_kind_at")]
        verbose_name = "audit event"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.actor_email}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit events are never changed once written.")
        super().save(*args, **kwargs)
