"""Claiming an organisation through the signing journey grants nothing until the claim is established.

A claim is established when the signatory confirms from an address on the organisation's own
domain and the organisation was registered in that journey, or when an ICB admin accepts it.
Until then nobody gets a membership, and no claim blocks another or the real organisation.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from charter.models import Membership, Organisation, Role, Signature, SignatureStatus, User
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
PREFIX = "signing_wizard"
# The signatory's own password, chosen on the page the confirmation link opens (not needed when
# the address already has an account).
ACCOUNT = {"account-password1": "a sturdy passphrase 42", "account-password2": "a sturdy passphrase 42"}
NEW_ORG = {
    "name": "Halton Harbour Cafe CIC",
    "sector": "vcfse",
    "kind": "social_enterprise",
    "place": "halton",
    "size": "micro",
    "companies_house_number": "",
    "charity_number": "",
    "ods_code": "",
    "website": "haltonharbour.example",
}


@pytest.fixture(autouse=True)
def _clean_rate_limit():
    cache.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def step_url(step):
    return reverse("charter:sign-step", args=[step])


def post_step(client, on_commit, step, data):
    payload = {f"{PREFIX}-current_step": step}
    payload.update({f"{step}-{k}": v for k, v in data.items()})
    with on_commit(execute=True):
        return client.post(step_url(step), payload)


def sign(client, on_commit, *, organisation=None, email, name="Rosa Parks", new_org=None):
    """Walk the journey for an existing organisation (or a new one) and press the last button."""
    chosen = organisation.pk if organisation else "new"
    assert client.post(reverse("charter:sign-choose"), {"organisation": chosen}).status_code == 302
    client.get(reverse("charter:sign-steps"))
    if organisation is None:
        assert post_step(client, on_commit, "organisation", new_org or NEW_ORG).status_code == 302
    response = post_step(
        client, on_commit, "signatory", {"signatory_name": name, "designation": "Director", "signatory_email": email}
    )
    if response.url == step_url("email-check"):
        post_step(client, on_commit, "email-check", {"accept": "on"})
    post_step(client, on_commit, "commitment", {"agree": "on", "statement": "We will hire locally."})
    response = post_step(client, on_commit, "check", {})
    assert response.status_code == 302 and response.url == reverse("charter:sign-sent"), response
    return response


def last_link_to(email):
    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"/charter/confirm/([^/\s]+)/", message.body).group(1)


def follow_link(client, email):
    return client.post(reverse("charter:confirm", args=[last_link_to(email)]), ACCOUNT)


@pytest.fixture
def trust(db):
    """A commissioning NHS trust already registered, with nobody managing it on the portal."""
    return OrganisationFactory(
        name="Mersey Valley Hospitals NHS Foundation Trust", sector="public", kind="nhs_trust",
        email_domain="merseyvalley.nhs.uk", size="large",
    )


@pytest.fixture
def council(db):
    return OrganisationFactory(public=True, email_domain="example-borough.gov.uk")


def accept(icb_admin, signature):
    client = Client()
    client.force_login(icb_admin)
    return client.post(reverse("charter:accept-email", args=[signature.pk]), follow=True)


def test_a_reporter_claiming_a_trust_without_admins_gets_no_rights_from_signing(client, on_commit, trust, icb_admin):
    reporter = MembershipFactory(role="reporter").user  # reports for a supplier
    contract = ContractFactory(commissioner=trust)
    client.force_login(reporter)

    sign(client, on_commit, organisation=trust, email="someone@merseyvalley.nhs.uk")

    assert not Membership.objects.filter(organisation=trust).exists()
    assert trust not in Organisation.objects.for_user(reporter)
    assert client.get(reverse("commitments:contract-edit", args=[contract.pk])).status_code in {403, 404}

    # The signatory confirms from an address at the trust's own domain: still an existing
    # organisation, so the ICB accepts the claim first.
    assert follow_link(Client(), "someone@merseyvalley.nhs.uk").status_code == 200
    signature = Signature.objects.get(organisation=trust)
    assert signature.status == SignatureStatus.AWAITING_CHECK
    assert not Membership.objects.filter(organisation=trust).exists()
    assert client.get(reverse("commitments:contract-edit", args=[contract.pk])).status_code in {403, 404}

    accept(icb_admin, signature)

    assert Membership.objects.get(organisation=trust).user == reporter
    assert Membership.objects.get(organisation=trust).role == Role.ADMIN
    assert Signature.objects.get(organisation=trust).status == SignatureStatus.LIVE


def test_an_anonymous_claim_with_a_personal_address_grants_nothing_until_the_icb_accepts(
    client, on_commit, council, icb_admin
):
    sign(client, on_commit, organisation=council, email="claimant@gmail.com")
    assert not Membership.objects.filter(organisation=council).exists()

    assert follow_link(client, "claimant@gmail.com").status_code == 200
    signature = Signature.objects.get(organisation=council)
    assert signature.status == SignatureStatus.AWAITING_CHECK
    assert not Membership.objects.filter(organisation=council).exists()
    account = User.objects.get(email="claimant@gmail.com")  # the address is proved: the account works
    assert council not in Organisation.objects.for_user(account)

    accept(icb_admin, signature)

    membership = Membership.objects.get(organisation=council)
    assert (membership.user, membership.role) == (account, Role.ADMIN)
    signed_in = Client().post(reverse("login"), {"username": "claimant@gmail.com", "password": ACCOUNT["account-password1"]})
    assert signed_in.status_code == 302


def test_an_abandoned_claim_blocks_nobody(on_commit, council, icb_admin):
    sign(Client(), on_commit, organisation=council, email="first@gmail.com")  # never confirmed

    real = Client()
    sign(real, on_commit, organisation=council, email="chief.exec@example-borough.gov.uk", name="Chief Exec")
    assert Signature.objects.filter(organisation=council).count() == 2
    assert not Membership.objects.filter(organisation=council).exists()
    follow_link(Client(), "chief.exec@example-borough.gov.uk")
    accept(icb_admin, Signature.objects.get(signatory_email="chief.exec@example-borough.gov.uk"))

    assert Membership.objects.get(organisation=council, role=Role.ADMIN).user.email == "chief.exec@example-borough.gov.uk"

    # The abandoned claim's link now grants nothing.
    response = follow_link(Client(), "first@gmail.com")
    assert response.status_code == 400
    abandoned = Signature.objects.get(signatory_email="first@gmail.com")
    assert not abandoned.is_open and not abandoned.is_live
    assert Membership.objects.filter(organisation=council).count() == 1
    assert not User.objects.filter(email="first@gmail.com").exists()


def test_the_icb_accepting_one_claim_closes_the_others(on_commit, council, icb_admin):
    sign(Client(), on_commit, organisation=council, email="one@example-borough.gov.uk", name="One")
    sign(Client(), on_commit, organisation=council, email="two@example-borough.gov.uk", name="Two")
    follow_link(Client(), "one@example-borough.gov.uk")
    follow_link(Client(), "two@example-borough.gov.uk")
    one, two = (Signature.objects.get(signatory_email=f"{n}@example-borough.gov.uk") for n in ("one", "two"))
    assert one.status == two.status == SignatureStatus.AWAITING_CHECK

    accept(icb_admin, one)
    page = accept(icb_admin, two)

    assert "grants nothing" in page.text or "no longer waiting" in page.text
    two.refresh_from_db()
    assert two.status == SignatureStatus.CLOSED
    assert [m.user.email for m in Membership.objects.filter(organisation=council)] == ["one@example-borough.gov.uk"]


def test_a_new_organisation_is_established_by_its_signatory_at_its_own_domain(client, on_commit):
    sign(client, on_commit, email="rosa@haltonharbour.example")
    organisation = Organisation.objects.get(name=NEW_ORG["name"])
    assert not Membership.objects.filter(organisation=organisation).exists()  # nothing yet

    follow_link(client, "rosa@haltonharbour.example")

    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user.email, membership.role) == ("rosa@haltonharbour.example", Role.ADMIN)
    assert Signature.objects.get(organisation=organisation).is_live


def test_a_new_organisation_with_a_personal_address_waits_for_the_icb(client, on_commit, icb_admin):
    sign(client, on_commit, email="rosa@hotmail.com")
    follow_link(client, "rosa@hotmail.com")
    organisation = Organisation.objects.get(name=NEW_ORG["name"])
    assert not Membership.objects.filter(organisation=organisation).exists()

    accept(icb_admin, Signature.objects.get(organisation=organisation))

    assert Membership.objects.get(organisation=organisation).user.email == "rosa@hotmail.com"


def test_the_icb_sees_pending_claims_marked(on_commit, council, icb_admin):
    sign(Client(), on_commit, organisation=council, email="claimant@gmail.com")
    client = Client()
    client.force_login(icb_admin)

    page = client.get(reverse("charter:signatures"))

    assert "Claim to manage" in page.text and "Accept claim" in page.text
    claims = client.get(reverse("charter:signatures") + "?status=claims")
    assert council.name in claims.text and "1 signature" in claims.text


def test_an_inactive_placeholder_admin_blocks_nobody(client, on_commit, council):
    """Left by the journey before claims: an admin membership of an account never activated."""
    MembershipFactory(organisation=council, role="admin", user__is_active=False)
    sign(client, on_commit, organisation=council, email="chief.exec@example-borough.gov.uk")
    assert Signature.objects.get(organisation=council).claims_organisation


def test_an_organisation_with_people_but_no_admin_cannot_be_claimed(client, council):
    MembershipFactory(organisation=council, role="reporter")
    response = client.post(reverse("charter:sign-choose"), {"organisation": council.pk}, follow=True)
    assert "only its organisation admins" in response.text
    assert not Signature.objects.exists()


def test_a_shared_nhs_address_cannot_make_itself_admin_of_a_new_trust(client, on_commit, icb_admin):
    """nhs.net is a real work address for every NHS body, so it proves nobody speaks for this one."""
    new_trust = {**NEW_ORG, "name": "Wirral Example Community NHS Trust", "sector": "public", "kind": "nhs_trust",
                 "size": "large", "website": ""}
    sign(client, on_commit, email="someone@nhs.net", new_org=new_trust)
    follow_link(client, "someone@nhs.net")
    organisation = Organisation.objects.get(name=new_trust["name"])
    assert organisation.email_domain == ""  # a shared domain is not recorded as the trust's own
    assert not Membership.objects.filter(organisation=organisation).exists()
    assert Signature.objects.get(organisation=organisation).status == "awaiting_check"

    accept(icb_admin, Signature.objects.get(organisation=organisation))

    assert Membership.objects.get(organisation=organisation).user.email == "someone@nhs.net"
