"""Signing the Charter: the use cases, each atomic, raising SigningError with a message for people."""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from charter.emails import domain_of, work_email_problem
from charter.models import (
    CharterVersion,
    Membership,
    Organisation,
    Role,
    Signature,
    SignatureStatus,
    User,
)
from charter.models.signatures import OPEN_STATUSES, _new_nonce

TOKEN_SALT = "charter.signature.confirm"  # noqa: S105 (a salt, not a secret)


class SigningError(Exception):
    """A signing step cannot go ahead; str(error) says why, for the person in front of it."""


def confirmation_max_age():
    return settings.SIGNATURE_CONFIRMATION_DAYS * 24 * 3600


def make_confirmation_token(signature):
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object(
        {"s": signature.pk, "n": signature.confirmation_nonce}
    )


def _enqueue_confirmation(signature):
    from charter.tasks import send_signature_confirmation

    transaction.on_commit(lambda: send_signature_confirmation.delay(signature.pk))


def find_existing_organisation(*, name, place, companies_house_number="", charity_number="", ods_code=""):
    """An organisation already registered with any of these identifiers, or the same name and place."""
    from charter.models.people import normalise_name

    for field, value in (
        ("companies_house_number", companies_house_number),
        ("charity_number", charity_number),
        ("ods_code", ods_code),
    ):
        if value:
            match = Organisation.objects.filter(**{field: value}).first()
            if match:
                return match
    return Organisation.objects.filter(normalised_name=normalise_name(name), place=place).first()


def check_can_sign_for(user, organisation):
    """Raise SigningError unless this person may sign for an existing organisation."""
    if organisation.signatures.filter(status__in=OPEN_STATUSES).exists():
        raise SigningError(
            f"A signature for {organisation.name} is already waiting for e-mail confirmation. "
            "Ask the signatory to follow the link we sent them, or an admin to resend it."
        )
    has_admins = organisation.memberships.filter(role=Role.ADMIN).exists()
    if not has_admins:
        return  # an organisation nobody has claimed yet: the signatory's e-mail proves it
    if not (user.is_authenticated and user.memberships.filter(organisation=organisation, role=Role.ADMIN).exists()):
        raise SigningError(
            f"{organisation.name} is already registered and only its organisation admins can sign "
            "for it. Sign in as an admin, or ask one of them to add you."
        )


@transaction.atomic
def start_signing(*, user, organisation=None, new_organisation=None, signatory_name, designation,
                  signatory_email, principles=(), priorities=(), statement="", password=None,
                  accept_email_warning=False):
    """Record a signature awaiting e-mail confirmation, registering the organisation and the
    admin account if they are new. Sends the confirmation link once the transaction commits.
    """
    version = CharterVersion.objects.current()
    if version is None:
        raise SigningError("The Charter has not been published yet.")
    if organisation is None:
        organisation = _register_organisation(new_organisation, signatory_email)
    else:
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        check_can_sign_for(user, organisation)

    live = organisation.signatures.filter(status=SignatureStatus.LIVE).first()
    if live and live.version.number >= version.number:
        raise SigningError(f"{organisation.name} has already signed version {version.number} of the Charter.")

    problem = work_email_problem(signatory_email, organisation)
    if problem and not accept_email_warning:
        raise SigningError(problem)

    account = user if user.is_authenticated else _create_admin_account(signatory_email, signatory_name, password)
    Membership.objects.update_or_create(
        user=account, organisation=organisation, defaults={"role": Role.ADMIN}
    )
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                organisation=organisation, version=version, submitted_by=account,
                signatory_name=signatory_name.strip(), designation=designation.strip(),
                signatory_email=signatory_email.strip().lower(), principles=list(principles),
                priorities=list(priorities), statement=statement.strip(),
                email_needs_check=bool(problem), confirmation_sent_at=timezone.now(),
            )
    except IntegrityError:
        raise SigningError(
            f"A signature for {organisation.name} is already waiting for e-mail confirmation."
        ) from None
    _enqueue_confirmation(signature)
    return signature


def _register_organisation(data, signatory_email):
    existing = find_existing_organisation(
        name=data["name"], place=data["place"],
        companies_house_number=data.get("companies_house_number", ""),
        charity_number=data.get("charity_number", ""), ods_code=data.get("ods_code", ""),
    )
    if existing:
        raise SigningError(
            f"{existing.name} is already registered. Find it and sign for it instead of "
            "registering it again."
        )
    organisation = Organisation(**data)
    if not organisation.email_domain:
        from charter.emails import WEBMAIL_DOMAINS

        domain = domain_of(signatory_email)
        organisation.email_domain = "" if domain in WEBMAIL_DOMAINS else domain
    organisation.full_clean()
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:  # registered by someone else a moment ago
        raise SigningError(f"{organisation.name} was registered a moment ago by someone else.") from None
    return organisation


def _create_admin_account(email, full_name, password):
    if User.objects.filter(email__iexact=email).exists():
        raise SigningError(
            f"There is already an account for {email}. Sign in first, then sign the Charter."
        )
    if not password:
        raise SigningError("Choose a password for the organisation admin account.")
    # Inactive until the e-mail address is confirmed by following the link.
    return User.objects.create_user(email=email, password=password, full_name=full_name, is_active=False)


@transaction.atomic
def confirm_signature(token):
    """Follow a confirmation link: the signature goes live (or awaits the ICB's e-mail check)."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(token, max_age=confirmation_max_age())
    except signing.SignatureExpired:
        raise SigningError(
            "This confirmation link has expired. Ask your organisation admin or the ICB to send a new one."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise SigningError("This confirmation link is not valid. Check you copied all of it.") from None
    signature = (
        Signature.objects.select_for_update(of=("self",)).select_related("organisation", "version", "submitted_by")
        .filter(pk=data.get("s")).first()
    )
    if signature is None or signature.confirmation_nonce != data.get("n"):
        raise SigningError("This confirmation link is not valid. Check you copied all of it.")
    if not signature.is_open or signature.confirmed_at:
        raise SigningError(
            "This link has already been used: the signature was confirmed on "
            f"{timezone.localtime(signature.confirmed_at or signature.updated_at):%d %B %Y}."
        )
    now = timezone.now()
    signature.confirmed_at = now
    account = signature.submitted_by
    if account and not account.is_active and account.email == signature.signatory_email:
        account.is_active = True
        account.save(update_fields=["is_active"])
    if signature.email_needs_check and not signature.email_checked_by_id:
        signature.status = SignatureStatus.AWAITING_CHECK
        signature.save(update_fields=["confirmed_at", "status", "updated_at"])
        return signature
    _go_live(signature, now)
    return signature


def _go_live(signature, now):
    """Make a signature live, replacing the organisation's earlier live signature if any."""
    Signature.objects.filter(organisation=signature.organisation, status=SignatureStatus.LIVE).exclude(
        pk=signature.pk
    ).update(status=SignatureStatus.SUPERSEDED, ended_at=now, updated_at=now)
    signature.status = SignatureStatus.LIVE
    signature.live_from = now
    signature.save(update_fields=["confirmed_at", "status", "live_from", "updated_at"])


@transaction.atomic
def accept_email_address(signature, by):
    """An ICB admin accepts a signatory's address that was not at the organisation's domain."""
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if not by.is_icb_admin:
        raise SigningError("Only ICB admins can accept an e-mail address.")
    if not signature.is_open:
        raise SigningError("Only a signature that is still waiting can have its e-mail accepted.")
    signature.email_checked_by = by
    signature.save(update_fields=["email_checked_by", "updated_at"])
    if signature.status == SignatureStatus.AWAITING_CHECK:
        _go_live(signature, timezone.now())
    return signature


@transaction.atomic
def withdraw_signature(signature, by, reason):
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if not by.memberships.filter(organisation=signature.organisation_id, role=Role.ADMIN).exists():
        raise SigningError("Only an admin of the organisation can withdraw its signature.")
    if not (signature.is_live or signature.is_open):
        raise SigningError("This signature is not live, so there is nothing to withdraw.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise SigningError("Give a reason for withdrawing; it is kept with the signature's history.")
    if len(reason) > 1000:
        raise SigningError("Keep the reason to 1,000 characters.")
    signature.status = SignatureStatus.WITHDRAWN
    signature.withdrawal_reason = reason
    signature.withdrawn_by = by
    signature.ended_at = timezone.now()
    signature.save(update_fields=["status", "withdrawal_reason", "withdrawn_by", "ended_at", "updated_at"])
    return signature


@transaction.atomic
def resend_confirmation(signature, by):
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    allowed = by.is_icb_admin or by.memberships.filter(
        organisation=signature.organisation_id, role=Role.ADMIN
    ).exists()
    if not allowed:
        raise SigningError("Only the organisation's admins or an ICB admin can resend the link.")
    if signature.status != SignatureStatus.PENDING:
        raise SigningError("This signature is not waiting for e-mail confirmation.")
    signature.confirmation_nonce = _new_nonce()  # earlier links stop working
    signature.confirmation_sent_at = timezone.now()
    signature.save(update_fields=["confirmation_nonce", "confirmation_sent_at", "updated_at"])
    _enqueue_confirmation(signature)
    return signature


@transaction.atomic
def set_hidden(signature, by, *, hidden, reason=""):
    """Moderation: hide an entry from the public register (or show it again), with a reason."""
    if not by.is_icb_admin:
        raise SigningError("Only ICB admins can moderate the register.")
    reason = " ".join((reason or "").split())
    if hidden and not reason:
        raise SigningError("Give a reason for hiding the entry; it is kept in the audit history.")
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    signature.is_hidden = hidden
    signature.hidden_reason = reason if hidden else ""
    signature._change_reason = reason or "shown again"
    signature.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
    return signature
