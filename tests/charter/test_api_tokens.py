"""API tokens expire, die with a password change or reset, and can be revoked by their owner and the ICB."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from charter.forms import PortalSetPasswordForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a much better passphrase 2026"
RETURNS = "/api/v1/returns/"  # needs a signed-in person


def api_status(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(RETURNS).status_code


@pytest.fixture
def person():
    return UserFactory(email="reporter@example.org")


@pytest.fixture
def key(person):
    key = Token.objects.create(user=person).key
    assert api_status(key) == 200
    return key


# --- a password change or reset revokes the token -----------------------------------------


def test_a_password_reset_revokes_the_token(client, person, key):
    client.post(reverse("password_reset"), {"email": person.email})
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert api_status(key) == 401
    assert not Token.objects.filter(user=person).exists()


def test_a_password_change_revokes_the_token(client, person, key):
    client.force_login(person)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api_status(key) == 401


def test_any_new_password_revokes_the_token_whatever_sets_it(person, key):
    form = PortalSetPasswordForm(person, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid()
    form.save()
    assert api_status(key) == 401
    # as manage.py changepassword and the admin's password form do:
    key2 = Token.objects.create(user=person).key
    person.set_password("yet another passphrase 2027")
    person.save()
    assert api_status(key2) == 401


def test_saving_a_person_without_a_new_password_keeps_the_token(person, key):
    person.full_name = "A new name"
    person.save()
    assert api_status(key) == 200


# --- expiry -----------------------------------------------------------------------------


def test_an_expired_token_gets_401(person, key, settings):
    assert settings.API_TOKEN_EXPIRY_DAYS == 90
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=89, hours=23))
    assert api_status(key) == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=90, minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(RETURNS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "expired" in response.json()["detail"]


def test_the_token_endpoint_gives_a_new_token_for_an_expired_one(person, key):
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=91))
    response = APIClient().post("/api/v1/token/", {"email": person.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    new = response.json()
    assert new["token"] != key and api_status(new["token"]) == 200
    assert new["expires"].startswith(str((timezone.now() + timedelta(days=90)).date()))


# --- the person's own page --------------------------------------------------------------


def test_your_api_tokens_page_needs_sign_in(client):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_account_area_links_to_your_api_tokens(client, person):
    client.force_login(person)
    home = client.get(reverse("home")).text
    assert f'href="{reverse("account")}"' in home
    assert f'href="{reverse("api-tokens")}"' in client.get(reverse("account")).text


def test_people_create_see_and_revoke_their_own_token(client, person):
    client.force_login(person)
    assert "You have no API token" in client.get(reverse("api-tokens")).text

    created = client.post(reverse("api-tokens"), {"action": "create"})
    assert created.status_code == 200
    key = Token.objects.get(user=person).key
    assert key in created.text  # shown once, on this response only
    assert "no-store" in created["Cache-Control"]
    assert api_status(key) == 200

    page = client.get(reverse("api-tokens")).text
    assert key not in page
    assert key[-4:] in page and "Active" in page

    replaced = client.post(reverse("api-tokens"), {"action": "create"})
    new_key = Token.objects.get(user=person).key
    assert new_key != key and new_key in replaced.text
    assert api_status(key) == 401

    revoked = client.post(reverse("api-tokens"), {"action": "revoke"}, follow=True)
    assert "Your API token is revoked" in revoked.text
    assert api_status(new_key) == 401
    assert not Token.objects.filter(user=person).exists()


def test_the_page_shows_an_expired_token_as_expired(client, person, key):
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=100))
    client.force_login(person)
    assert "Expired" in client.get(reverse("api-tokens")).text


def test_revoking_on_your_page_touches_nobody_elses_token(client, person, key):
    other = UserFactory()
    other_key = Token.objects.create(user=other).key
    client.force_login(other)
    client.post(reverse("api-tokens"), {"action": "revoke"})
    assert api_status(key) == 200 and api_status(other_key) == 401


# --- the ICB revokes anyone's ------------------------------------------------------------


def test_icb_admins_see_tokens_without_their_keys_and_revoke_anyones(client, icb_admin, person, key):
    client.force_login(icb_admin)
    changelist = reverse("admin:authtoken_tokenproxy_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert escape(person.full_name) in page.text and key not in page.text
    # A token's own page (its title is the key) is refused.
    assert client.get(reverse("admin:authtoken_tokenproxy_change", args=[person.pk])).status_code in (302, 403)
    response = client.post(changelist, {"action": "revoke", "_selected_action": [person.pk]})
    assert response.status_code == 302
    assert api_status(key) == 401


def test_icb_admins_revoke_a_persons_tokens_from_the_people_list(client, person, key):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.post(reverse("admin:charter_user_changelist"), {"action": "revoke_api_tokens", "_selected_action": [person.pk]})
    assert api_status(key) == 401


def test_other_staff_cannot_see_or_revoke_tokens(client, person, key):
    client.force_login(UserFactory(is_staff=True))
    changelist = reverse("admin:authtoken_tokenproxy_changelist")
    assert client.get(changelist).status_code == 403
    client.post(changelist, {"action": "revoke", "_selected_action": [person.pk]})
    assert api_status(key) == 200
