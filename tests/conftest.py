"""Shared fixtures: personas, the loaded framework, and the strict mode CI runs in.

With STRICT_SERVICES=1 (set by .ci/run) a skipped test fails the run: in CI every service the
suite needs (PostgreSQL, Redis, a Celery worker, Chromium) must be there.
"""

import os

import pytest

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

STRICT = os.environ.get("STRICT_SERVICES", "").lower() in {"1", "true", "yes"}


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if STRICT and skipped and session.exitstatus == 0:
        reporter.write_line(
            f"STRICT_SERVICES: {skipped} test(s) were skipped; in CI a skip means a missing "
            "service, so the run fails.", red=True,
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process except in tests that use a real worker: CI sets a broker for those,
    and no worker listens during the rest of the suite."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing takes ~0.3 s a password; tests do not need that strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def framework(db):
    """The C&M TOM framework loaded from fixtures/."""
    from toms.services import load_framework

    load_framework()


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def owner(organisation):
    """An admin of ``organisation``."""
    return MembershipFactory(organisation=organisation, role="admin").user


@pytest.fixture
def colleague(organisation):
    """A reporter in the same organisation."""
    return MembershipFactory(organisation=organisation, role="reporter").user


@pytest.fixture
def outsider(db):
    """Someone who belongs to another organisation only."""
    return MembershipFactory(role="admin").user


@pytest.fixture
def commissioner(db):
    return MembershipFactory(
        organisation=OrganisationFactory(public=True), role="commissioner"
    ).user


@pytest.fixture
def icb_analyst(db):
    return UserFactory(system_role="icb_analyst")


@pytest.fixture
def icb_admin(db):
    return UserFactory(system_role="icb_admin", is_staff=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (it is per process here), so counts, charts or
    rate limits cached by an earlier test's data never leak into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
