"""Signing in by e-mail, signing out, password reset, and lock-out after repeated failures."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_sign_in_with_email_in_any_case(client):
    user = UserFactory(email="kieran@merseyfacilities.example")
    response = client.post(reverse("login"), {"username": "Kieran@MerseyFacilities.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_says_so_and_signs_nobody_in(client):
    UserFactory(email="a@example.org")
    response = client.post(reverse("login"), {"username": "a@example.org", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "correct e-mail" in response.text.lower() or "enter a correct" in response.text.lower()


def test_sign_out_is_a_post(client):
    client.force_login(UserFactory())
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(email="jo@wirralpantry.example")
    client.post(reverse("password_reset"), {"email": "jo@wirralpantry.example"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else re.sub(r"^https?://[^/]+", "", link)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a much better passphrase 2026", "new_password2": "a much better passphrase 2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much better passphrase 2026")


def test_repeated_failures_lock_the_account_for_a_while(client, settings):
    UserFactory(email="target@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "target@example.org", "password": "guess"})
    response = client.post(reverse("login"), {"username": "target@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
