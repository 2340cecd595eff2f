"""The signing journey through the web pages, one thing per page, with every refusal."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from charter.models import Organisation, Signature, SignatureStatus, User
from tests.factories import LiveSignatureFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
PREFIX = "signing_wizard"


_capture = {}


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """The confirmation e-mail is sent once the signing transaction commits: each POST here
    runs its on-commit callbacks as a real request would."""
    _capture["on_commit"] = django_capture_on_commit_callbacks


def step_url(step):
    return reverse("charter:sign-step", args=[step])


def post_step(client, step, data):
    payload = {f"{PREFIX}-current_step": step}
    payload.update({f"{step}-{k}": v for k, v in data.items()})
    with _capture["on_commit"](execute=True):
        return client.post(step_url(step), payload)


ORG = {
    "name": "Halton Harbour Cafe CIC",
    "sector": "vcfse",
    "kind": "social_enterprise",
    "place": "halton",
    "size": "micro",
    "companies_house_number": "1234567",
    "charity_number": "",
    "ods_code": "",
    "website": "haltonharbour.example",
}
SIGNATORY = {"signatory_name": "Rosa Parks", "designation": "Director", "signatory_email": "rosa@haltonharbour.example"}
COMMITMENT = {"agree": "on", "statement": "We will hire locally."}
# The signatory's own password, chosen on the page the confirmation link opens.
ACCOUNT = {"account-password1": "a sturdy passphrase 42", "account-password2": "a sturdy passphrase 42"}


def begin_new(client):
    response = client.post(reverse("charter:sign-choose"), {"organisation": "new"})
    assert response.status_code == 302
    response = client.get(response.url, follow=True)
    assert response.redirect_chain[-1][0] == step_url("organisation")


def walk_new_organisation(client):
    from charter.models import CharterVersion

    version = CharterVersion.objects.current()
    begin_new(client)
    assert post_step(client, "organisation", ORG).url == step_url("signatory")
    assert post_step(client, "signatory", SIGNATORY).url == step_url("commitment")
    commitment = {**COMMITMENT, "principles": [version.principles[0]], "priorities": version.priorities[:2]}
    response = client.post(
        step_url("commitment"),
        {
            f"{PREFIX}-current_step": "commitment",
            "commitment-agree": "on",
            "commitment-statement": COMMITMENT["statement"],
            "commitment-principles": commitment["principles"],
            "commitment-priorities": commitment["priorities"],
        },
    )
    assert response.url == step_url("check")


def test_a_new_organisation_signs_end_to_end(client):
    walk_new_organisation(client)
    check = client.get(step_url("check"))
    assert check.status_code == 200
    for text in ("Halton Harbour Cafe CIC", "01234567", "Rosa Parks", "Director", "rosa@haltonharbour.example"):
        assert text in check.text  # check your answers, identifiers tidied

    response = post_step(client, "check", {})
    assert response.url == reverse("charter:sign-sent")
    assert "rosa@haltonharbour.example" in client.get(response.url).text

    signature = Signature.objects.get()
    assert signature.status == SignatureStatus.PENDING and signature.principles and len(signature.priorities) == 2
    token = re.search(r"/charter/confirm/([^/\s]+)/", mail.outbox[0].body).group(1)
    confirm_url = reverse("charter:confirm", args=[token])
    assert client.get(confirm_url).status_code == 200  # a button, not yet confirmed
    assert Signature.objects.get().status == SignatureStatus.PENDING
    assert client.post(confirm_url, ACCOUNT).status_code == 200
    assert Signature.objects.get().status == SignatureStatus.LIVE
    assert client.post(confirm_url, ACCOUNT).status_code == 400  # reused

    org = Organisation.objects.get(name="Halton Harbour Cafe CIC")
    assert "Halton Harbour Cafe CIC" in client.get(reverse("charter:register")).text
    assert client.get(reverse("charter:register-entry", args=[org.slug])).status_code == 200
    signed_in = client.post(
        reverse("login"), {"username": "rosa@haltonharbour.example", "password": ACCOUNT["account-password1"]}
    )
    assert signed_in.status_code == 302  # the admin account works once confirmed


def test_the_commitment_must_be_agreed(client):
    begin_new(client)
    post_step(client, "organisation", ORG)
    post_step(client, "signatory", SIGNATORY)
    response = post_step(client, "commitment", {"statement": "x"})
    assert response.status_code == 200 and "govuk-error-summary" in response.text
    assert "Agree to the commitment" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("companies_house_number", "XX1", "Companies House number"),
        ("charity_number", "12", "registered charity number"),
        ("ods_code", "!!", "NHS ODS code"),
        ("name", "x" * 201, "at most 200 characters"),
        ("kind", "nhs_trust", "belong to the public sector"),
    ],
)
def test_bad_organisation_details_are_refused(client, field, value, message):
    begin_new(client)
    response = post_step(client, "organisation", {**ORG, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert not Organisation.objects.filter(name=ORG["name"]).exists()


def test_registering_an_existing_organisation_points_to_it(client):
    OrganisationFactory(name="Halton Harbour Café CIC".replace("é", "e"), place="halton")
    begin_new(client)
    response = post_step(client, "organisation", ORG)
    assert response.status_code == 200 and "already registered" in response.text
    assert Organisation.objects.filter(place="halton").count() == 1


def test_an_organisation_already_signed_is_pointed_to_its_entry(client):
    signature = LiveSignatureFactory()
    response = client.post(reverse("charter:sign-choose"), {"organisation": signature.organisation.pk})
    assert response.url == reverse("charter:register-entry", args=[signature.organisation.slug])


def test_a_member_who_is_not_an_admin_cannot_sign(client, organisation, owner, colleague):
    client.force_login(colleague)
    response = client.post(reverse("charter:sign-choose"), {"organisation": organisation.pk}, follow=True)
    assert "only its organisation admins" in response.text
    assert not Signature.objects.exists()


def test_an_admin_signs_for_their_registered_organisation(client, organisation, owner):
    client.force_login(owner)
    client.post(reverse("charter:sign-choose"), {"organisation": organisation.pk})
    client.get(reverse("charter:sign-steps"))
    assert post_step(client, "signatory", {**SIGNATORY, "signatory_email": "ceo@example.org"}).url == step_url(
        "commitment"
    )
    assert post_step(client, "commitment", COMMITMENT).url == step_url("check")  # no account step
    assert post_step(client, "check", {}).url == reverse("charter:sign-sent")
    assert Signature.objects.get().organisation == organisation


def test_a_personal_email_gets_a_warning_page(client):
    begin_new(client)
    post_step(client, "organisation", ORG)
    response = post_step(client, "signatory", {**SIGNATORY, "signatory_email": "rosa@hotmail.com"})
    assert response.url == step_url("email-check")
    page = client.get(response.url)
    assert "personal e-mail service" in page.text
    assert post_step(client, "email-check", {}).status_code == 200  # must tick the box
    assert post_step(client, "email-check", {"accept": "on"}).url == step_url("commitment")


def test_script_in_free_text_is_escaped_everywhere(client):
    walk_new_organisation(client)
    signature_text = "<script>alert('x')</script> & more"
    client.post(
        step_url("commitment"),
        {f"{PREFIX}-current_step": "commitment", "commitment-agree": "on", "commitment-statement": signature_text},
    )
    check = client.get(step_url("check"))
    assert "<script>alert" not in check.text and "&lt;script&gt;" in check.text
    post_step(client, "check", {})
    token = re.search(r"/charter/confirm/([^/\s]+)/", mail.outbox[0].body).group(1)
    client.post(reverse("charter:confirm", args=[token]), ACCOUNT)
    entry = client.get(reverse("charter:register-entry", args=[Organisation.objects.get(place="halton").slug]))
    assert "<script>alert" not in entry.text and "&lt;script&gt;" in entry.text


def test_over_long_statements_are_refused(client):
    begin_new(client)
    post_step(client, "organisation", ORG)
    post_step(client, "signatory", SIGNATORY)
    response = post_step(client, "commitment", {"agree": "on", "statement": "x" * 1001})
    assert response.status_code == 200 and "at most 1000 characters" in response.text


def test_the_final_step_is_rate_limited(client, settings):
    settings.SIGNING_RATE_LIMIT_PER_HOUR = 1
    from django.core.cache import cache

    cache.clear()
    walk_new_organisation(client)
    assert post_step(client, "check", {}).status_code == 302
    response = post_step(client, "check", {})
    assert response.status_code == 429
    assert Signature.objects.count() == 1


def test_a_tampered_link_is_refused_with_a_clear_page(client):
    response = client.post(reverse("charter:confirm", args=["not-a-real-token"]))
    assert response.status_code == 400 and "not valid" in response.text


def test_a_new_admin_account_waits_for_the_link(client):
    walk_new_organisation(client)
    post_step(client, "check", {})
    assert not User.objects.filter(email="rosa@haltonharbour.example").exists()
    response = client.post(reverse("login"), {"username": "rosa@haltonharbour.example", "password": ACCOUNT["account-password1"]})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
