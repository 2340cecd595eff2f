"""The signing use cases: start, confirm by link, withdraw, re-sign, moderate."""

import re

import pytest
from django.core import mail, signing
from django.db import IntegrityError

from charter import services
from charter.models import CharterVersion, Membership, Organisation, Role, Signature, SignatureStatus, User
from tests.factories import (
    CharterVersionFactory,
    LiveSignatureFactory,
    MembershipFactory,
    OrganisationFactory,
    PendingSignatureFactory,
)

pytestmark = pytest.mark.django_db
NEW_ORG = {
    "name": "Birkenhead Bakery Co-operative",
    "sector": "vcfse",
    "kind": "social_enterprise",
    "place": "wirral",
    "size": "small",
    "companies_house_number": "",
    "charity_number": "",
    "ods_code": "",
    "website": "https://birkenheadbakery.example",
}


PASSWORD = "a long enough passphrase"  # the signatory's own, chosen as they confirm


def start_new(django_user_model, **overrides):
    from django.contrib.auth.models import AnonymousUser

    kwargs = {
        "user": AnonymousUser(),
        "new_organisation": dict(NEW_ORG),
        "signatory_name": "Ada Lovelace",
        "designation": "Chair",
        "signatory_email": "ada@birkenheadbakery.example",
        "principles": ["p"],
        "statement": "We bake local.",
    }
    kwargs.update(overrides)
    return services.start_signing(**kwargs)


def token_from_outbox():
    return re.search(r"/charter/confirm/([^/\s]+)/", mail.outbox[-1].body).group(1)


def test_version_one_is_published_by_migration():
    version = CharterVersion.objects.current()
    assert version.number == 1
    assert version.commitment_statement.startswith("By signing this Charter")
    assert len(version.principles) == 14 and len(version.priorities) == 7


def test_a_new_organisation_signs_and_confirms_by_email(django_user_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signature = start_new(django_user_model)
    assert signature.status == SignatureStatus.PENDING
    org = Organisation.objects.get(name=NEW_ORG["name"])
    assert org.email_domain == "birkenheadbakery.example"
    assert signature.claims_organisation and signature.registers_organisation
    # Nothing is granted, and no account made, until the link proves the address.
    assert not User.objects.filter(email="ada@birkenheadbakery.example").exists()
    assert not Membership.objects.filter(organisation=org).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@birkenheadbakery.example"]

    confirmed = services.confirm_signature(token_from_outbox(), password=PASSWORD)

    assert confirmed.status == SignatureStatus.LIVE and confirmed.live_from
    admin = User.objects.get(email="ada@birkenheadbakery.example")
    assert admin.is_active and admin.check_password("a long enough passphrase")
    assert Membership.objects.get(user=admin, organisation=org).role == Role.ADMIN


def test_a_reused_link_is_refused_and_changes_nothing(django_user_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start_new(django_user_model)
    token = token_from_outbox()
    services.confirm_signature(token, password=PASSWORD)
    before = Signature.objects.get().updated_at
    with pytest.raises(services.SigningError, match="already been used"):
        services.confirm_signature(token)
    assert Signature.objects.get().updated_at == before


def test_an_expired_link_is_refused(django_user_model, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        start_new(django_user_model)
    token = token_from_outbox()
    settings.SIGNATURE_CONFIRMATION_DAYS = 0
    import time

    time.sleep(1.1)
    with pytest.raises(services.SigningError, match="expired"):
        services.confirm_signature(token)
    assert Signature.objects.get().status == SignatureStatus.PENDING


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: t.replace(":", ":1", 1)])
def test_tampered_links_are_refused(django_user_model, django_capture_on_commit_callbacks, mangle):
    with django_capture_on_commit_callbacks(execute=True):
        start_new(django_user_model)
    with pytest.raises(services.SigningError, match="not valid"):
        services.confirm_signature(mangle(token_from_outbox()))
    assert Signature.objects.get().status == SignatureStatus.PENDING


def test_a_forged_token_for_another_signature_is_refused():
    signature = PendingSignatureFactory()
    forged = signing.TimestampSigner(salt=services.TOKEN_SALT).sign_object({"s": signature.pk, "n": "guess"})
    with pytest.raises(services.SigningError, match="not valid"):
        services.confirm_signature(forged)


def test_resending_replaces_the_link(django_user_model, django_capture_on_commit_callbacks, icb_admin):
    with django_capture_on_commit_callbacks(execute=True):
        signature = start_new(django_user_model)
    old = token_from_outbox()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_confirmation(signature, icb_admin)
    with pytest.raises(services.SigningError, match="not valid"):
        services.confirm_signature(old)
    assert services.confirm_signature(token_from_outbox(), password=PASSWORD).is_live


def test_an_organisation_cannot_be_registered_twice(django_user_model):
    OrganisationFactory(name="The Birkenhead Bakery Co-operative Ltd", place="wirral")
    with pytest.raises(services.SigningError, match="already registered"):
        start_new(django_user_model)
    OrganisationFactory(name="Something else", companies_house_number="01234567")
    with pytest.raises(services.SigningError, match="already registered"):
        start_new(
            django_user_model, new_organisation={**NEW_ORG, "name": "New name", "companies_house_number": "01234567"}
        )
    assert Signature.objects.count() == 0


def test_same_name_in_another_place_is_a_different_organisation(django_user_model):
    OrganisationFactory(name="Birkenhead Bakery Co-operative", place="liverpool")
    assert start_new(django_user_model).organisation.place == "wirral"


def test_only_admins_can_sign_for_a_registered_organisation(owner, colleague, organisation):
    kwargs = {
        "signatory_name": "X",
        "designation": "CEO",
        "signatory_email": "x@example.org",
        "accept_email_warning": True,
    }
    with pytest.raises(services.SigningError, match="only its organisation admins"):
        services.start_signing(user=colleague, organisation=organisation, **kwargs)
    assert not Signature.objects.exists()
    assert services.start_signing(user=owner, organisation=organisation, **kwargs).status == "pending"


def test_a_personal_email_is_warned_then_checked_by_the_icb(
    django_user_model, icb_admin, django_capture_on_commit_callbacks
):
    with pytest.raises(services.SigningError, match="personal e-mail service"):
        start_new(django_user_model, signatory_email="ada.lovelace@gmail.com")
    with django_capture_on_commit_callbacks(execute=True):
        signature = start_new(django_user_model, signatory_email="ada.lovelace@gmail.com", accept_email_warning=True)
    assert signature.email_needs_check
    confirmed = services.confirm_signature(token_from_outbox(), password=PASSWORD)
    assert confirmed.status == SignatureStatus.AWAITING_CHECK
    assert not Signature.objects.on_register().exists()
    services.accept_email_address(confirmed, icb_admin)
    assert Signature.objects.get().status == SignatureStatus.LIVE


def test_nhs_mail_is_a_work_address_for_nhs_bodies():
    from charter.emails import work_email_problem

    trust = OrganisationFactory.build(sector="public", kind="nhs_trust", email_domain="liverpoolft.nhs.uk")
    assert work_email_problem("someone@nhs.net", trust) == ""
    assert work_email_problem("someone@liverpoolft.nhs.uk", trust) == ""
    assert "not at liverpoolft.nhs.uk" in work_email_problem("someone@other.example", trust)


def test_one_live_signature_per_organisation_is_enforced_by_the_database():
    live = LiveSignatureFactory()
    with pytest.raises(IntegrityError):
        LiveSignatureFactory(organisation=live.organisation)


def test_one_waiting_signature_per_organisation_is_enforced_by_the_database():
    pending = PendingSignatureFactory()
    with pytest.raises(IntegrityError):
        PendingSignatureFactory(organisation=pending.organisation)


def test_withdrawal_needs_an_admin_and_a_reason_and_keeps_history(owner, colleague, organisation):
    signature = LiveSignatureFactory(organisation=organisation)
    with pytest.raises(services.SigningError, match="Only an admin"):
        services.withdraw_signature(signature, colleague, "no")
    with pytest.raises(services.SigningError, match="Give a reason"):
        services.withdraw_signature(signature, owner, "   ")
    services.withdraw_signature(signature, owner, "Merged into another organisation")
    signature.refresh_from_db()
    assert signature.status == SignatureStatus.WITHDRAWN and signature.ended_at
    assert signature.history.count() >= 2
    assert not Signature.objects.on_register().exists()


def test_resigning_a_newer_version_replaces_the_live_signature(owner, organisation, django_capture_on_commit_callbacks):
    old = LiveSignatureFactory(organisation=organisation, signatory_email="ceo@example.org")
    with pytest.raises(services.SigningError, match="already signed version 1"):
        services.start_signing(
            user=owner,
            organisation=organisation,
            signatory_name="A",
            designation="CEO",
            signatory_email="ceo@example.org",
        )
    CharterVersionFactory(number=2)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.start_signing(
            user=owner,
            organisation=organisation,
            signatory_name="A",
            designation="CEO",
            signatory_email="ceo@example.org",
        )
    assert Signature.objects.get(pk=old.pk).status == SignatureStatus.LIVE  # until confirmed
    services.confirm_signature(token_from_outbox())
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status, new.version.number) == ("superseded", "live", 2)
    assert Signature.objects.filter(organisation=organisation).count() == 2


def test_moderation_hides_with_a_reason_kept_in_history(icb_admin, owner):
    signature = LiveSignatureFactory()
    with pytest.raises(services.SigningError, match="Only ICB admins"):
        services.set_hidden(signature, owner, hidden=True, reason="spam")
    with pytest.raises(services.SigningError, match="Give a reason"):
        services.set_hidden(signature, icb_admin, hidden=True, reason="")
    services.set_hidden(signature, icb_admin, hidden=True, reason="Abusive statement")
    assert not Signature.objects.on_register().exists()
    latest = signature.history.latest()
    assert latest.history_change_reason == "Abusive statement" and latest.hidden_reason == "Abusive statement"


def test_an_address_with_an_account_is_not_refused_and_keeps_its_password(django_user_model):
    existing = MembershipFactory(user__email="ada@birkenheadbakery.example").user
    signature = start_new(django_user_model)  # no "sign in first": that would tell a stranger
    assert signature.claimant is None and signature.submitted_by is None
    assert not Membership.objects.filter(organisation=signature.organisation).exists()

    services.confirm_signature(services.make_confirmation_token(signature))

    existing.refresh_from_db()
    assert existing.check_password("correct horse battery staple")
    assert Membership.objects.get(organisation=signature.organisation).user == existing
