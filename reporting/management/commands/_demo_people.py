"""Demo data for managing people: invitations waiting at the demo supplier, one of them expired,
so its admin sees what to resend or cancel. Safe to re-run: an invitation already made is kept."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from charter.models import Invitation, InvitationStatus, Organisation, Role, User

SUPPLIER = "Mersey Facilities Services Ltd (demo)"
ADMIN = "admin@merseyfacilities.example"
# (address, role, days since it was sent)
INVITATIONS = [
    ("finance@merseyfacilities.example", Role.VIEWER, 2),
    ("site.manager@merseyfacilities.example", Role.REPORTER, None),  # None: sent long enough ago to expire
]


def seed_people(stdout):
    organisation = Organisation.objects.filter(name=SUPPLIER).first()
    admin = User.objects.filter(email=ADMIN).first()
    if organisation is None or admin is None:
        return 0
    now = timezone.now()
    made = 0
    for email, role, days in INVITATIONS:
        if Invitation.objects.filter(organisation=organisation, email=email).exists():
            continue
        days = settings.INVITATION_DAYS + 3 if days is None else days
        invitation = Invitation(
            organisation=organisation, email=email, role=role, invited_by=admin,
            sent_at=now - timedelta(days=days), status=InvitationStatus.PENDING,
        )
        invitation._change_reason = f"Invited as {role.label} by {admin.email}"
        invitation._history_user = admin
        invitation.save()
        made += 1
    if made:
        stdout.write(f"Demo invitations: {made} waiting at {organisation.name}.")
    return made
