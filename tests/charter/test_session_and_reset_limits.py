"""Limits: idle sessions end, and password-reset e-mails to one address are rate-limited."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from charter.middleware import SEEN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def signed_in(client):
    user = UserFactory(email="idle@example.org")
    assert client.post(reverse("login"), {"username": user.email, "password": PASSWORD}).status_code == 302
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_lasts_two_idle_hours_not_two_weeks(client, settings):
    assert settings.SESSION_IDLE_MINUTES == 120
    session = signed_in(client)
    assert session.expire_date <= timezone.now() + timedelta(hours=2, minutes=1)


def idle_for(client, minutes):
    """Make the signed-in session look as if its last request was ``minutes`` ago."""
    store = client.session
    store[SEEN] = int(time.time()) - minutes * 60
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=120 - minutes)
    )
    return Session.objects.get(pk=store.session_key)


def test_each_request_keeps_a_session_alive(client):
    signed_in(client)
    session = idle_for(client, 115)
    assert client.get(reverse("charter:organisation-list")).status_code == 200
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + timedelta(hours=1, minutes=59)


@pytest.mark.parametrize("sign_in", ["form", "force_login"])
def test_the_session_is_written_at_most_once_a_minute(client, sign_in):
    if sign_in == "form":
        signed_in(client)
    else:
        client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("charter:organisation-list"))
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]


def test_an_idle_session_signs_the_person_out(client):
    session = signed_in(client)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("charter:organisation-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def ask_for_reset(client, email):
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")


def test_password_reset_emails_to_one_address_are_limited(client, settings):
    UserFactory(email="jo@example.org")
    UserFactory(email="sam@example.org")
    for email in ["jo@example.org", "Jo@Example.org", "JO@EXAMPLE.ORG", "jo@example.org", "jO@example.org"]:
        ask_for_reset(client, email)  # the page reads the same every time
    assert len(mail.outbox) == settings.PASSWORD_RESET_EMAILS_PER_HOUR == 3
    ask_for_reset(client, "sam@example.org")  # another address is not affected
    assert len(mail.outbox) == 4
    assert mail.outbox[-1].to == ["sam@example.org"]
