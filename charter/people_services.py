"""Managing an organisation's people: invitations, roles, removals and the organisation's details.

Each use case is atomic and raises PeopleError with a message for the person in front of it.
Organisation admins manage their own organisation; ICB admins manage any. Every change lands in
the history (simple_history) with who made it and why.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from charter.models import Invitation, InvitationStatus, Membership, Organisation, Role, User
from charter.models.invitations import new_nonce
from charter.models.people import normalise_email
from common.site import site_url

TOKEN_SALT = "charter.invitation.accept"  # noqa: S105 (a salt, not a secret)


class PeopleError(Exception):
    """A change to an organisation's people cannot go ahead; str(error) says why."""


def can_manage(user, organisation):
    """Organisation admins of this organisation, and ICB admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_icb_admin or Membership.objects.filter(
        user=user, organisation=organisation, role=Role.ADMIN
    ).exists()


def _require_manager(user, organisation):
    if not can_manage(user, organisation):
        raise PeopleError(f"Only {organisation.name}'s organisation admins or an ICB admin can do this.")


def _reason(text, default):
    text = " ".join((text or "").split())
    return f"{default}: {text}" if text else default


# --- invitations ----------------------------------------------------------------------------


def make_token(invitation):
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def invitation_link(invitation, base_url=None):
    """The link in the e-mail: on the address the inviter's request came in on, else SITE_URL."""
    base = (base_url or site_url()).rstrip("/")
    return base + reverse("charter:invitation", args=[make_token(invitation)])


def _send(invitation, base_url):
    link = invitation_link(invitation, base_url)
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_DAYS}

    def send():
        send_mail(
            subject=f"You are invited to join {invitation.organisation.name} on the Social Value Portal",
            message=render_to_string("charter/emails/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )

    transaction.on_commit(send)


@transaction.atomic
def invite(organisation, by, *, email, role, base_url=None):
    """Invite a person by e-mail to join the organisation with a role; the link is e-mailed."""
    _require_manager(by, organisation)
    email = normalise_email(email)
    if role not in Role.values:
        raise PeopleError("Choose a role from the list.")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise PeopleError(f"{email} already belongs to {organisation.name}. Change their role instead.")
    if Invitation.objects.pending().filter(organisation=organisation, email__iexact=email).exists():
        raise PeopleError(f"{email} has already been invited. Resend the invitation instead.")
    invitation = Invitation(
        organisation=organisation, email=email, role=role, invited_by=by, sent_at=timezone.now()
    )
    invitation._change_reason = f"Invited as {Role(role).label} by {by.email}"
    invitation._history_user = by
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # invited a moment ago by someone else
        raise PeopleError(f"{email} has already been invited. Resend the invitation instead.") from None
    _send(invitation, base_url)
    return invitation


def _pending_for_update(invitation):
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise PeopleError(f"This invitation has been {invitation.get_status_display().lower()} already.")
    return invitation


@transaction.atomic
def resend(invitation, by, *, base_url=None):
    """Send a new link (valid for INVITATION_DAYS from now); earlier links stop working."""
    invitation = _pending_for_update(invitation)
    _require_manager(by, invitation.organisation)
    invitation.nonce = new_nonce()
    invitation.sent_at = timezone.now()
    invitation._change_reason = f"Resent by {by.email}"
    invitation._history_user = by
    invitation.save(update_fields=["nonce", "sent_at"])
    _send(invitation, base_url)
    return invitation


@transaction.atomic
def cancel(invitation, by):
    invitation = _pending_for_update(invitation)
    _require_manager(by, invitation.organisation)
    invitation.status = InvitationStatus.CANCELLED
    invitation.ended_at = timezone.now()
    invitation._change_reason = f"Cancelled by {by.email}"
    invitation._history_user = by
    invitation.save(update_fields=["status", "ended_at"])
    return invitation


def invitation_from_token(token):
    """The pending invitation a link names; PeopleError if it is not valid, expired or used."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=settings.INVITATION_DAYS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise PeopleError(
            "This invitation has expired. Ask the organisation's admin to send you a new one."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise PeopleError("This invitation link is not valid. Check you copied all of it.") from None
    invitation = Invitation.objects.select_related("organisation").filter(pk=data.get("i")).first()
    if invitation is None or invitation.nonce != data.get("n"):
        raise PeopleError(
            "This invitation link is not valid: a newer one may have been sent. Use the latest e-mail."
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        raise PeopleError("This invitation has already been used. Sign in to reach the organisation.")
    if invitation.status == InvitationStatus.CANCELLED:
        raise PeopleError("This invitation was cancelled. Ask the organisation's admin if you still need to join.")
    if invitation.is_expired:
        raise PeopleError("This invitation has expired. Ask the organisation's admin to send you a new one.")
    return invitation


def account_exists(invitation):
    return User.objects.filter(email__iexact=invitation.email).exists()


@transaction.atomic
def accept(token, user):
    """A signed-in person accepts an invitation to their own address: they join the organisation."""
    invitation = invitation_from_token(token)
    invitation = _pending_for_update(invitation)
    if not user.is_authenticated or normalise_email(user.email) != normalise_email(invitation.email):
        raise PeopleError(
            f"This invitation is for {invitation.email}. Sign out, then follow the link again "
            "and sign in with that address."
        )
    membership = Membership.objects.filter(user=user, organisation=invitation.organisation).first()
    if membership is None:
        membership = Membership(user=user, organisation=invitation.organisation, role=invitation.role)
        membership._change_reason = f"Joined by accepting the invitation from {_who(invitation.invited_by)}"
        membership._history_user = user
        membership.save()
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = invitation.ended_at = timezone.now()
    invitation.accepted_by = user
    invitation._change_reason = "Accepted"
    invitation._history_user = user
    invitation.save(update_fields=["status", "accepted_at", "ended_at", "accepted_by"])
    return membership


@transaction.atomic
def accept_with_new_account(token, *, full_name, password):
    """Someone without an account accepts: the account is made with the password they chose.
    The link proves they hold the address."""
    invitation = invitation_from_token(token)
    if account_exists(invitation):
        raise PeopleError(f"{invitation.email} already has an account. Sign in to accept the invitation.")
    user = User(email=invitation.email, full_name=" ".join(full_name.split()))
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise PeopleError(f"{invitation.email} already has an account. Sign in to accept the invitation.") from None
    return accept(token, user)


def _who(user):
    return user.email if user else "the ICB"


# --- members --------------------------------------------------------------------------------


def _other_admins(membership):
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def _lock_members(organisation_id):
    # Two admins demoting each other at once must not leave the organisation with none.
    list(Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk", flat=True))


@transaction.atomic
def change_role(membership, by, *, role, reason=""):
    _lock_members(membership.organisation_id)
    membership = Membership.objects.select_related("organisation", "user").get(pk=membership.pk)
    _require_manager(by, membership.organisation)
    if role not in Role.values:
        raise PeopleError("Choose a role from the list.")
    if role == membership.role:
        return membership
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise PeopleError(
            f"{membership.user} is {membership.organisation.name}'s only organisation admin. "
            "Make someone else an admin first."
        )
    old = membership.get_role_display()
    membership.role = role
    membership._change_reason = _reason(reason, f"Role changed from {old} to {Role(role).label} by {by.email}")
    membership._history_user = by
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(membership, by, *, reason=""):
    _lock_members(membership.organisation_id)
    membership = Membership.objects.select_related("organisation", "user").get(pk=membership.pk)
    _require_manager(by, membership.organisation)
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise PeopleError(
            f"{membership.user} is {membership.organisation.name}'s only organisation admin, so they "
            "cannot be removed. Make someone else an admin first."
        )
    membership._change_reason = _reason(reason, f"Removed by {by.email}")
    membership._history_user = by
    membership.delete()
    return membership


@transaction.atomic
def update_organisation(form, by, *, reason=""):
    """Save the organisation's details from a valid OrganisationForm."""
    organisation = form.instance
    _require_manager(by, Organisation.objects.get(pk=organisation.pk))
    changed = ", ".join(form.changed_data) or "nothing"
    organisation._change_reason = _reason(reason, f"Details changed ({changed}) by {by.email}")
    organisation._history_user = by
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        raise PeopleError("Another organisation already has this name in this place, or one of these identifiers.") from None
    return organisation
