"""Links in e-mails point at the portal's real address: the request's when one is at hand,
SITE_URL (which `make demo` sets from HOST and PORT) for scheduled work."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import RequestFactory

from common.site import SiteURLMiddleware, site_url
from tests.charter.test_signing_journey import _run_on_commit, post_step, walk_new_organisation  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


def test_site_url_is_the_requests_address_while_serving_it(settings):
    settings.SITE_URL = "http://fallback.example"
    settings.ALLOWED_HOSTS = ["portal.example"]
    seen = {}
    middleware = SiteURLMiddleware(lambda request: seen.setdefault("url", site_url()))
    middleware(RequestFactory().get("/", HTTP_HOST="portal.example:8080", secure=True))
    assert seen["url"] == "https://portal.example:8080"
    assert site_url() == "http://fallback.example"  # no request: the setting


def test_a_host_not_allowed_falls_back_to_site_url(settings):
    settings.SITE_URL = "http://fallback.example"
    settings.ALLOWED_HOSTS = ["portal.example"]
    seen = {}
    SiteURLMiddleware(lambda request: seen.setdefault("url", site_url()))(
        RequestFactory().get("/", HTTP_HOST="evil.example")
    )
    assert seen["url"] == "http://fallback.example"


def test_the_signing_confirmation_link_uses_the_host_signed_on(client, settings):
    settings.SITE_URL = "http://localhost:8000"
    settings.ALLOWED_HOSTS = ["sv.demo.example"]
    client.defaults["HTTP_HOST"] = "sv.demo.example:8080"
    walk_new_organisation(client)
    post_step(client, "check", {})
    assert re.search(r"http://sv\.demo\.example:8080/charter/confirm/\S+/", mail.outbox[0].body)
    assert "localhost:8000" not in mail.outbox[0].body


def test_return_notifications_use_the_reviewers_host(settings, django_capture_on_commit_callbacks):
    from commitments.services.returns import approve
    from tests.factories import SubmittedReturnFactory

    settings.SITE_URL = "http://localhost:8000"
    settings.ALLOWED_HOSTS = ["sv.demo.example"]
    ret = SubmittedReturnFactory()
    reviewer = _commissioner_of(ret)
    _reporter_of(ret)
    request = RequestFactory().get("/", HTTP_HOST="sv.demo.example:8080")
    with django_capture_on_commit_callbacks(execute=True):
        SiteURLMiddleware(lambda r: approve(ret, reviewer))(request)
    assert f"http://sv.demo.example:8080{ret.get_absolute_url()}" in mail.outbox[-1].body


def test_reminders_use_site_url(settings, framework):
    from commitments.tasks import send_return_reminders
    from tests.factories import ContractFactory

    settings.SITE_URL = "http://10.0.0.5:8080"
    contract = ContractFactory(start_date=dt.date(2025, 4, 1), end_date=dt.date(2027, 3, 31))
    _reporter_of_org(contract.supplier)
    assert send_return_reminders(today="2026-02-20") >= 1
    assert "http://10.0.0.5:8080/returns/" in mail.outbox[-1].body


def _commissioner_of(ret):
    from tests.factories import MembershipFactory

    return MembershipFactory(organisation=ret.contract.commissioner, role="commissioner").user


def _reporter_of(ret):
    return _reporter_of_org(ret.organisation)


def _reporter_of_org(organisation):
    from tests.factories import MembershipFactory

    return MembershipFactory(organisation=organisation, role="reporter").user
