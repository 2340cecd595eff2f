"""What a newcomer tripped on in the signing journey (issue 12): errors that name their field, the
steps counted the same everywhere, the name searched for carried into the form, the password
rules told first and chosen by the signatory, no confirmation panel before anything is complete,
and a used link that offers nothing more."""

import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from charter.models import Membership, Signature, SignatureStatus, User
from tests.charter.test_signing_journey import (  # noqa: F401 (_run_on_commit is autouse)
    ACCOUNT,
    PREFIX,
    _run_on_commit,
    begin_new,
    post_step,
    step_url,
    walk_new_organisation,
)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
GENERIC = "This field is required."


def summary_errors(page):
    summary = re.search(r"<div class=\"govuk-error-summary.*?</ul>", page, flags=re.S).group(0)
    items = re.findall(r"<li>(.*?)</li>", summary, flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_an_empty_first_step_names_each_missing_field(client):
    begin_new(client)
    response = client.post(step_url("organisation"), {f"{PREFIX}-current_step": "organisation"})
    errors = summary_errors(response.text)
    assert GENERIC not in response.text
    assert errors == [
        "Enter the organisation's name",
        "Select the organisation's sector",
        "Select the kind of organisation",
        "Select where the organisation is based",
        "Select the organisation's size",
    ]


def test_an_empty_signatory_step_names_each_field(client):
    begin_new(client)
    from tests.charter.test_signing_journey import ORG

    post_step(client, "organisation", ORG)
    response = client.post(step_url("signatory"), {f"{PREFIX}-current_step": "signatory", "signatory-signatory_email": "x"})
    assert summary_errors(response.text) == [
        "Enter the signatory's full name",
        "Enter the signatory's job title",
        "Enter the signatory's e-mail address in the correct format, like name@example.org",
    ]


def _caption(html):
    return re.search(r"Sign the Charter · step (\d) of (\d)", html).groups()


def test_the_start_page_and_every_step_count_four_steps(client):
    start = client.get(reverse("charter:sign-start"))
    how_it_works = start.text.split("How it works")[1].split("</ol>")[0]
    assert how_it_works.count('class="charter-steps__item"') == 4

    begin_new(client)
    from tests.charter.test_signing_journey import ORG, SIGNATORY

    assert _caption(client.get(step_url("organisation")).text) == ("1", "4")
    post_step(client, "organisation", ORG)
    assert _caption(client.get(step_url("signatory")).text) == ("2", "4")
    post_step(client, "signatory", {**SIGNATORY, "signatory_email": "rosa@hotmail.com"})
    assert _caption(client.get(step_url("email-check")).text) == ("2", "4")  # part of "say who signs"
    post_step(client, "email-check", {"accept": "on"})
    assert _caption(client.get(step_url("commitment")).text) == ("3", "4")
    client.post(step_url("commitment"), {f"{PREFIX}-current_step": "commitment", "commitment-agree": "on"})
    assert _caption(client.get(step_url("check")).text) == ("4", "4")


def test_the_name_searched_for_is_carried_into_the_form(client):
    search = client.get(reverse("charter:sign-start"), {"q": "Halton Harbour Cafe"})
    assert 'name="q" value="Halton Harbour Cafe"' in search.text  # the "Register it" form carries it
    client.post(reverse("charter:sign-choose"), {"organisation": "new", "q": "Halton Harbour Cafe"})
    page = client.get(reverse("charter:sign-steps"), follow=True)
    assert re.search(r'name="organisation-name"[^>]*value="Halton Harbour Cafe"', page.text)


def test_a_number_searched_for_is_not_used_as_a_name(client):
    client.post(reverse("charter:sign-choose"), {"organisation": "new", "q": "01234567"})
    page = client.get(reverse("charter:sign-steps"), follow=True)
    assert not re.search(r'name="organisation-name"[^>]*value="01234567"', page.text)


def _link():
    return reverse("charter:confirm", args=[re.search(r"/charter/confirm/([^/\s]+)/", mail.outbox[-1].body).group(1)])


def test_the_person_filling_the_form_chooses_no_password(client):
    walk_new_organisation(client)
    for step in ("signatory", "commitment", "check"):
        assert 'type="password"' not in client.get(step_url(step)).text
    post_step(client, "check", {})
    assert "you choose its password" in mail.outbox[-1].body


def test_the_signatory_sets_their_password_when_confirming_with_the_rules_told_first(client):
    walk_new_organisation(client)
    post_step(client, "check", {})
    link = _link()
    signatory = Client()
    page = signatory.get(link)
    assert page.status_code == 200 and 'type="password"' in page.text
    assert "Use at least 8 characters" in page.text.split('type="password"')[0]  # the hint comes first

    refused = signatory.post(link, {"account-password1": "short", "account-password2": "short"})
    assert refused.status_code == 200 and "This password is too short" in refused.text
    assert Signature.objects.get().status == SignatureStatus.PENDING
    assert not User.objects.filter(email="rosa@haltonharbour.example").exists()
    mismatch = signatory.post(link, {"account-password1": "a sturdy passphrase 42", "account-password2": "other one 42"})
    assert "The two passwords are different." in summary_errors(mismatch.text)

    assert signatory.post(link, ACCOUNT).status_code == 200
    account = User.objects.get(email="rosa@haltonharbour.example")
    assert account.check_password(ACCOUNT["account-password1"])
    assert Membership.objects.get(user=account).role == "admin"


def test_an_address_with_an_account_confirms_without_a_password(client):
    from tests.factories import UserFactory

    owner = UserFactory(email="rosa@haltonharbour.example")
    walk_new_organisation(client)
    post_step(client, "check", {})
    link = _link()
    assert 'type="password"' not in Client().get(link).text
    assert Client().post(link).status_code == 200
    owner.refresh_from_db()
    assert owner.check_password("correct horse battery staple")


def test_nearly_there_is_not_a_confirmation_panel(client):
    walk_new_organisation(client)
    sent = client.get(post_step(client, "check", {}).url)
    assert "Nearly there" in sent.text and "govuk-panel--confirmation" not in sent.text


def test_a_used_link_offers_no_second_confirmation(client):
    walk_new_organisation(client)
    post_step(client, "check", {})
    link = _link()
    Client().post(link, ACCOUNT)
    again = Client().get(link)
    assert again.status_code == 400
    assert "already been used" in again.text
    assert "Confirm the signature</button>" not in again.text and 'type="password"' not in again.text


def test_an_existing_organisation_starts_at_step_two(client):
    organisation = OrganisationFactory()
    client.post(reverse("charter:sign-choose"), {"organisation": organisation.pk})
    page = client.get(reverse("charter:sign-steps"), follow=True)
    assert _caption(page.text) == ("2", "4")
