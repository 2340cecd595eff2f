"""The ICB dashboard in Chromium: an analyst filters by place and downloads the system-wide PDF;
an ICB admin rebuilds a quarter, watches the build and sees the new figures.

Set REPORTING_SCREENSHOTS=/some/dir to keep full-page screenshots of what the test saw."""

import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from reporting.services.snapshots import build_snapshot
from tests.factories import ApprovedReturnFactory, UserFactory
from tests.reporting.world import Q, build_world, lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
SHOTS = os.environ.get("REPORTING_SCREENSHOTS")


@pytest.fixture
def world(live_server, settings, tmp_path):
    from toms.services import load_framework

    settings.MEDIA_ROOT = tmp_path
    load_framework()
    w = build_world()
    build_snapshot(Q)
    return w


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def sign_in(page, url, email):
    page.goto(url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_analyst_filters_by_place_and_downloads_the_system_pdf(page, live_server, world, console_errors, tmp_path):
    UserFactory(email="ana@icb.example", system_role="icb_analyst")
    sign_in(page, live_server.url, "ana@icb.example")
    page.goto(live_server.url + "/reporting/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2025/26 Q1")
    expect(page.locator(".reporting-headlines")).to_contain_text("£2,050")
    shot(page, "dashboard")
    page.get_by_label("Place", exact=True).select_option("liverpool")
    page.get_by_role("button", name="Show figures").click()
    expect(page).to_have_url(re.compile(r"place=liverpool"))
    expect(page.locator("#table-measures")).to_contain_text("0.5 FTE-years")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Showing Liverpool")
    shot(page, "dashboard-liverpool")
    page.get_by_role("link", name="Download the system-wide report (PDF)").click()
    page.get_by_role("button", name="Build the report").click()
    expect(page.get_by_role("heading", name="Your report is ready")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the report")).click()
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert not console_errors, console_errors


def test_an_admin_rebuilds_a_quarter_and_sees_the_new_figures(page, live_server, world, console_errors):
    UserFactory(email="ada@icb.example", system_role="icb_admin", is_staff=True)
    lines(ApprovedReturnFactory(contract=world.ke, submitted_at=None), NT1=Decimal("2"))
    sign_in(page, live_server.url, "ada@icb.example")
    page.goto(live_server.url + "/reporting/snapshots/")
    page.get_by_label("Quarter to rebuild").fill("2025/26 Q1")
    page.get_by_role("button", name="Rebuild this quarter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rebuilding 2025/26 Q1")
    expect(page.get_by_role("list", name="Progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Done", timeout=20_000)
    expect(page.get_by_role("status")).to_contain_text("Built from 4 approved returns")
    shot(page, "rebuild-done")
    page.get_by_role("link", name="See the figures for 2025/26 Q1").click()
    expect(page.locator("#table-measures")).to_contain_text("2.75 FTE-years")
    assert not console_errors, console_errors
