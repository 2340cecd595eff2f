"""A person signs in, finds their organisation and browses the framework, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def loaded(live_server):
    from toms.services import load_framework

    load_framework()
    return live_server


def test_sign_in_see_your_organisation_and_browse_the_catalogue(page, loaded, console_errors):
    org = OrganisationFactory(name="Mersey Facilities Services Ltd")
    MembershipFactory(organisation=org, role="reporter", user=UserFactory(email="kieran@mfs.example"))

    page.goto(loaded.url + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("E-mail address").fill("KIERAN@mfs.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Your organisations").first.click()
    page.get_by_role("link", name="Mersey Facilities Services Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mersey Facilities Services Ltd")
    expect(page.get_by_text("kieran@mfs.example")).to_be_visible()

    from toms.models import Measure

    page.get_by_role("link", name="The framework").first.click()
    expect(page.locator("body")).to_contain_text(f"{Measure.objects.count()} measures")
    page.locator("a[href='/framework/measures/NT14/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("NT14")
    expect(page.locator("body")).to_contain_text("No proxy value")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert console_errors == []


def test_pages_work_on_a_phone_screen(page, loaded, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(loaded.url + "/framework/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    assert console_errors == []
