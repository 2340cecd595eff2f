"""Signing the Charter: the use cases, each atomic, raising SigningError with a message for people."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from charter import audit
from charter.emails import NHS_SHARED_DOMAINS, domain_of, work_email_problem
from charter.models import (
    AuditKind,
    CharterVersion,
    Membership,
    Organisation,
    Role,
    Signature,
    SignatureStatus,
    User,
)
from charter.models.signatures import OPEN_STATUSES, _new_nonce
from common.site import site_url

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

    link_base = site_url()  # the address the signer used, while their request is at hand
    transaction.on_commit(lambda: send_signature_confirmation.delay(signature.pk, link_base))


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


def _active_members(organisation):
    return organisation.memberships.filter(user__is_active=True)


def check_can_sign_for(user, organisation):
    """Raise SigningError unless this person may sign for an existing organisation.

    An organisation with people on the portal is signed for by its admins only. One with nobody
    may be claimed by anyone: the claim grants nothing until an ICB admin accepts it, and several
    claims can wait at once without blocking each other or the real organisation.
    """
    members = _active_members(organisation)
    if not members.exists():
        return
    if not (user.is_authenticated and members.filter(user=user, role=Role.ADMIN).exists()):
        raise SigningError(
            f"{organisation.name} is already registered and only its organisation admins can sign "
            "for it. Sign in as an admin, or ask one of them to add you."
        )
    if organisation.signatures.filter(status__in=OPEN_STATUSES, claims_organisation=False).exists():
        raise SigningError(
            f"A signature for {organisation.name} is already waiting for e-mail confirmation. "
            "Ask the signatory to follow the link we sent them, or an admin to resend it."
        )


@transaction.atomic
def start_signing(*, user, organisation=None, new_organisation=None, signatory_name, designation,
                  signatory_email, principles=(), priorities=(), statement="", accept_email_warning=False):
    """Record a signature awaiting e-mail confirmation, registering the organisation if it is new.
    Sends the confirmation link once the transaction commits.

    Someone who is not already an admin of the organisation also claims it; the claim grants
    nothing now (see _establish_claim). When a visitor who is not signed in claims it, the account
    is the signatory's: made when they follow the link, with the password they choose then (if the
    address has none); whether it has one is never said here, only to the address's owner.
    """
    version = CharterVersion.objects.current()
    if version is None:
        raise SigningError("The Charter has not been published yet.")
    registers = organisation is None
    if registers:
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

    signed_in = user.is_authenticated
    is_admin = signed_in and _active_members(organisation).filter(user=user, role=Role.ADMIN).exists()
    if not is_admin and domain_of(signatory_email) in NHS_SHARED_DOMAINS:
        # Shared NHS mail is a real work address for every NHS body, so it cannot show that the
        # claimant speaks for this one: the ICB accepts the claim.
        problem = problem or f"{domain_of(signatory_email)} is shared by every NHS organisation; the ICB checks claims made from it."
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                organisation=organisation, version=version, submitted_by=user if signed_in else None,
                signatory_name=signatory_name.strip(), designation=designation.strip(),
                signatory_email=signatory_email.strip().lower(), principles=list(principles),
                priorities=list(priorities), statement=statement.strip(),
                email_needs_check=bool(problem), confirmation_sent_at=timezone.now(),
                claims_organisation=not is_admin, registers_organisation=registers,
                claimant=user if signed_in and not is_admin else None,
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
        from charter.emails import NHS_SHARED_DOMAINS, WEBMAIL_DOMAINS

        domain = domain_of(signatory_email)
        # A personal or shared NHS mailbox is nobody's own domain.
        organisation.email_domain = "" if domain in WEBMAIL_DOMAINS | NHS_SHARED_DOMAINS else domain
    organisation.full_clean()
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:  # registered by someone else a moment ago
        raise SigningError(f"{organisation.name} was registered a moment ago by someone else.") from None
    return organisation


def _lock_organisation_of(signature_pk):
    """Lock a signature's organisation before the signature itself (start_signing locks in the
    same order), so two claims on one organisation settled at once queue instead of deadlocking."""
    if not isinstance(signature_pk, int):
        return
    organisation = Signature.objects.filter(pk=signature_pk).values("organisation_id")
    list(Organisation.objects.select_for_update().filter(pk__in=organisation).values_list("pk", flat=True))


def needs_new_account(signature):
    """Whether confirming makes the account of the signatory's address (a visitor's claim, for an
    address with no account): the signatory then chooses its password on the confirmation page."""
    return (
        signature.claims_organisation
        and signature.claimant_id is None
        and not signature.claimant_password  # chosen on the form before the signatory set their own
        and not User.objects.filter(email__iexact=signature.signatory_email).exists()
    )


def _settle_claimant(signature, password=None):
    """When a visitor's claim is confirmed: the account of the signatory's address becomes the
    claimant, made now with the password the signatory chose on the confirmation page if the
    address has none. The link proves the address; an existing account keeps its own password."""
    if signature.claimant_id is None:
        email = signature.signatory_email
        account = User.objects.filter(email__iexact=email).first()
        if account is None:
            hashed = make_password(password) if password else signature.claimant_password
            if not hashed:
                raise SigningError("Choose a password for your account.")
            try:
                with transaction.atomic():
                    account = User(email=email, full_name=signature.signatory_name, password=hashed)
                    account.save()
            except IntegrityError:  # made a moment ago by another confirmation
                account = User.objects.get(email__iexact=email)
        signature.claimant = account
    signature.claimant_password = ""


def _establish_claim(signature, now):
    """The claim is established: its claimant becomes the organisation's admin, and every other
    claim waiting on the organisation is closed, so it can never grant anything."""
    organisation = Organisation.objects.select_for_update().get(pk=signature.organisation_id)
    if _active_members(organisation).exists():
        raise SigningError(
            f"{organisation.name} already has people managing it on the portal, so this claim "
            "grants nothing. Ask one of its admins to add you."
        )
    if signature.claimant_id:
        Membership.objects.update_or_create(
            user=signature.claimant, organisation=organisation, defaults={"role": Role.ADMIN}
        )
    Signature.objects.filter(
        organisation=organisation, claims_organisation=True, status__in=OPEN_STATUSES
    ).exclude(pk=signature.pk).update(status=SignatureStatus.CLOSED, ended_at=now, updated_at=now)


def _signature_for_token(token, *, lock):
    """The signature a confirmation link is for, if it can still be confirmed; else SigningError."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(token, max_age=confirmation_max_age())
    except signing.SignatureExpired:
        raise SigningError(
            "This confirmation link has expired. Ask your organisation admin or the ICB to send a new one."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise SigningError("This confirmation link is not valid. Check you copied all of it.") from None
    signatures = Signature.objects.select_related("organisation", "version", "submitted_by")
    if lock:
        _lock_organisation_of(data.get("s"))
        signatures = signatures.select_for_update(of=("self",))
    signature = signatures.filter(pk=data.get("s")).first()
    if signature is None or signature.confirmation_nonce != data.get("n"):
        raise SigningError("This confirmation link is not valid. Check you copied all of it.")
    if signature.status == SignatureStatus.CLOSED:
        raise SigningError(
            f"This signature was closed: {signature.organisation.name} was claimed through another "
            "signature, so it grants nothing. Ask the organisation's admins to add you."
        )
    if not signature.is_open or signature.confirmed_at:
        raise SigningError(
            "This link has already been used: the signature was confirmed on "
            f"{timezone.localtime(signature.confirmed_at or signature.updated_at):%d %B %Y}."
        )
    return signature


def signature_to_confirm(token):
    """For the page a confirmation link opens: the signature, if the link can still confirm it."""
    return _signature_for_token(token, lock=False)


@transaction.atomic
def confirm_signature(token, password=None):
    """Follow a confirmation link: the signature goes live (or awaits the ICB's e-mail check).
    ``password`` is the signatory's own, for the account made now if their address has none."""
    signature = _signature_for_token(token, lock=True)
    now = timezone.now()
    signature.confirmed_at = now
    account = signature.submitted_by  # an account made inactive by the journey before claims
    if account and not account.is_active and account.email == signature.signatory_email:
        account.is_active = True
        account.save(update_fields=["is_active"])
    if signature.claims_organisation:
        _settle_claimant(signature, password)
        signature.save(update_fields=["claimant", "claimant_password"])
    if signature.needs_icb and not signature.email_checked_by_id:
        signature.status = SignatureStatus.AWAITING_CHECK
        signature.save(update_fields=["confirmed_at", "status", "updated_at"])
        return signature
    if signature.claims_organisation:
        _establish_claim(signature, now)
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
    """An ICB admin accepts a signatory's address that was not at the organisation's domain, and
    the claim to manage the organisation, if the signature makes one."""
    _lock_organisation_of(signature.pk)
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    if not by.is_icb_admin:
        raise SigningError("Only ICB admins can accept an e-mail address.")
    if signature.status == SignatureStatus.CLOSED:
        raise SigningError(
            f"This claim was closed when another claim on {signature.organisation.name} was "
            "established; it grants nothing."
        )
    if not signature.is_open:
        raise SigningError("Only a signature that is still waiting can have its e-mail accepted.")
    signature.email_checked_by = by
    signature.save(update_fields=["email_checked_by", "updated_at"])
    if signature.status == SignatureStatus.AWAITING_CHECK:
        now = timezone.now()
        if signature.claims_organisation:
            _establish_claim(signature, now)
        _go_live(signature, now)
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
    audit.record(
        AuditKind.SIGNATURE_WITHDRAWN, actor=by, organisation=signature.organisation,
        target=f"{signature.organisation.name}: version {signature.version.number}", detail=reason,
    )
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
