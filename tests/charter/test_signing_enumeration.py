"""The signing journey tells a stranger nothing about which addresses have accounts."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from charter.models import Membership, Organisation, Role, Signature
from tests.charter.test_claims import ACCOUNT, NEW_ORG, follow_link, sign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXISTING = "rosa@haltonharbour.example"
NEW = "ada@wirralweavers.example"
OTHER_ORG = {**NEW_ORG, "name": "Wirral Weavers CIC", "place": "wirral", "website": "wirralweavers.example"}


@pytest.fixture(autouse=True)
def _clean_rate_limit():
    cache.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def anonymised(text, email, org):
    return text.replace(email, "EMAIL").replace(org, "ORG")


def test_an_address_with_an_account_gets_the_same_pages_and_its_owner_an_email(on_commit):
    owner = UserFactory(email=EXISTING, full_name="Rosa Parks")
    owner_password = "correct horse battery staple"

    existing, new = Client(), Client()
    existing_done = sign(existing, on_commit, email=EXISTING)
    new_done = sign(new, on_commit, email=NEW, new_org=OTHER_ORG, name="Rosa Parks")

    assert (existing_done.status_code, existing_done.url) == (new_done.status_code, new_done.url)
    existing_sent = existing.get(existing_done.url)
    new_sent = new.get(new_done.url)
    assert existing_sent.status_code == new_sent.status_code == 200
    assert anonymised(existing_sent.text, EXISTING, NEW_ORG["name"]) == anonymised(
        new_sent.text, NEW, OTHER_ORG["name"]
    )
    assert "already" not in existing_sent.text.lower()

    # The owner of the address is told by e-mail, and confirms with the account they have.
    to_owner = [m for m in mail.outbox if m.to == [EXISTING]]
    assert len(to_owner) == 1
    assert "already have an account" in to_owner[0].body
    assert re.search(r"/charter/confirm/[^/\s]+/", to_owner[0].body)

    assert follow_link(Client(), EXISTING).status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(owner_password)  # confirming does not change an account's password
    assert not owner.check_password(ACCOUNT["account-password1"])
    organisation = Organisation.objects.get(name=NEW_ORG["name"])
    assert Membership.objects.get(organisation=organisation).user == owner
    assert Membership.objects.get(organisation=organisation).role == Role.ADMIN
    assert Signature.objects.get(organisation=organisation).is_live


def test_a_new_address_is_not_told_it_has_an_account(on_commit):
    sign(Client(), on_commit, email=NEW, new_org=OTHER_ORG)
    (message,) = [m for m in mail.outbox if m.to == [NEW]]
    assert "already have an account" not in message.body


def test_signing_in_is_not_needed_for_an_address_with_an_account(on_commit):
    UserFactory(email=EXISTING)
    client = Client()
    response = sign(client, on_commit, email=EXISTING)
    assert response.url == reverse("charter:sign-sent")
    assert "Sign in first" not in client.get(response.url).text
