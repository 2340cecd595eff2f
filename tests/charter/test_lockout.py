"""Lock-out after repeated failed sign-ins: one identity per e-mail address whatever its case."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from charter.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/token/"
CASES = ["target@example.org", "Target@example.org", "TARGET@EXAMPLE.ORG", "target@Example.org",
         "tArget@example.org", "targeT@example.ORG"]


def test_changing_the_case_of_the_address_does_not_escape_the_lock_out_on_the_page(client, settings):
    UserFactory(email="target@example.org")
    for email in CASES[: settings.AXES_FAILURE_LIMIT]:
        client.post(reverse("login"), {"username": email, "password": "guess"})
    response = client.post(reverse("login"), {"username": CASES[-1], "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_address_does_not_escape_the_lock_out_on_the_token_endpoint(client, settings):
    UserFactory(email="target@example.org")
    for email in CASES[: settings.AXES_FAILURE_LIMIT]:
        client.post(TOKEN_URL, {"email": email, "password": "guess"}, content_type="application/json")
    response = client.post(TOKEN_URL, {"email": CASES[-1], "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 429
    assert "token" not in response.json()


def test_the_page_and_the_token_endpoint_count_failures_together(client, settings):
    UserFactory(email="target@example.org")
    for i in range(settings.AXES_FAILURE_LIMIT):
        if i % 2:
            client.post(reverse("login"), {"username": CASES[i], "password": "guess"})
        else:
            client.post(TOKEN_URL, {"email": CASES[i], "password": "guess"}, content_type="application/json")
    assert client.post(reverse("login"), {"username": "target@example.org", "password": PASSWORD}).status_code == 429


def test_addresses_are_stored_in_lower_case_however_the_row_is_made():
    assert UserFactory(email="Jo.Bloggs@Example.ORG").email == "jo.bloggs@example.org"
    assert User.objects.create(email=" Sam@Example.org ", full_name="Sam").email == "sam@example.org"
    assert User.objects.create_user("Kim@Example.org", PASSWORD, full_name="Kim").email == "kim@example.org"
    assert User.objects.get_by_natural_key("KIM@example.ORG").full_name == "Kim"


def test_existing_addresses_are_lower_cased_by_the_data_migration():
    user = UserFactory(email="old@example.org")
    User.objects.filter(pk=user.pk).update(email="Old.Mixed@Example.ORG")  # as stored before the fix
    migration = importlib.import_module("charter.migrations.0003_lowercase_emails")
    migration.lowercase_emails(apps, None)
    user.refresh_from_db()
    assert user.email == "old.mixed@example.org"
