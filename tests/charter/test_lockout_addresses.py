"""Lock-out by client address: the real client behind a proxy, never a header anyone can send."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from charter.ratelimit import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
PROXY = "172.18.0.1"  # what every request seems to come from behind the compose proxy


def sign_in(client, email, password, forwarded_for=None):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_behind_the_proxy_a_stranger_cannot_lock_a_named_person_out(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="named@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(client, "named@example.org", "guess", forwarded_for="203.0.113.9")
    assert sign_in(client, "named@example.org", PASSWORD, forwarded_for="203.0.113.9").status_code == 429
    # The person themselves, from their own address, through the same proxy:
    assert sign_in(client, "named@example.org", PASSWORD, forwarded_for="198.51.100.7").status_code == 302


def test_the_client_cannot_choose_its_address_by_writing_the_header_itself(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="named@example.org")
    # The proxy appends what it saw (203.0.113.9) to whatever the client wrote.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "named@example.org", "guess", forwarded_for=f"10.0.0.{n}, 203.0.113.9")
    assert sign_in(client, "named@example.org", PASSWORD, forwarded_for="10.9.9.9, 203.0.113.9").status_code == 429


def test_without_the_setting_the_forwarded_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(email="named@example.org")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "named@example.org", "guess", forwarded_for=f"198.51.100.{n}")
    assert sign_in(client, "named@example.org", PASSWORD, forwarded_for="198.51.100.200").status_code == 429


def test_one_address_trying_many_people_is_stopped_but_not_the_people(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    people = [UserFactory(email=f"p{n}@example.org") for n in range(4)]
    # Fewer failures than the per-person limit for each of three people, 12 in all, from one address.
    for person in people[:3]:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            sign_in(client, person.email, "guess", forwarded_for="203.0.113.9")
    assert sign_in(client, "p3@example.org", PASSWORD, forwarded_for="203.0.113.9").status_code == 429
    assert sign_in(client, "p3@example.org", PASSWORD, forwarded_for="198.51.100.7").status_code == 302


def test_below_the_address_limit_others_at_that_address_still_sign_in(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    UserFactory(email="typo@example.org")
    UserFactory(email="colleague@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "typo@example.org", "guess", forwarded_for="203.0.113.9")
    assert sign_in(client, "colleague@example.org", PASSWORD, forwarded_for="203.0.113.9").status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", PROXY),  # not behind a proxy: the header is anyone's to write
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),  # rightmost: what the proxy saw
        (2, "10.0.0.1, 203.0.113.9, 192.0.2.5", "203.0.113.9"),
        (2, "203.0.113.9", PROXY),  # did not pass both proxies
        (1, "", PROXY),  # straight to the portal (e.g. the health check)
        (1, "not-an-address", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
