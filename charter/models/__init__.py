"""Models of the charter app: organisations and people, and the charter with its signatures."""

from charter.models.audit import AuditEvent, AuditKind
from charter.models.invitations import Invitation, InvitationStatus
from charter.models.people import (
    COMMISSIONING_ROLES,
    KIND_SECTORS,
    REPORTING_ROLES,
    ROLE_DESCRIPTIONS,
    Kind,
    Membership,
    Organisation,
    Place,
    Role,
    Sector,
    Size,
    SystemRole,
    User,
)
from charter.models.signatures import CharterVersion, Signature, SignatureStatus

__all__ = [
    "COMMISSIONING_ROLES", "KIND_SECTORS", "REPORTING_ROLES", "ROLE_DESCRIPTIONS", "AuditEvent", "AuditKind", "CharterVersion", "Invitation", "InvitationStatus", "Kind", "Membership", "Organisation",
    "Place", "Role", "Sector", "Signature", "SignatureStatus", "Size", "SystemRole", "User",
]
