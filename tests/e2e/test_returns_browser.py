"""A quarterly return goes round the review loop in Chromium: the supplier's reporter fills it in
and submits it, the commissioner asks for changes, the reporter resubmits, the commissioner
approves. Two people, two browser contexts."""

import re

import pytest
from playwright.sync_api import expect

from charter.models import Role
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory, UserFactory
from toms.periods import Quarter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def loaded(live_server):
    from toms.services import load_framework

    load_framework()
    return live_server


@pytest.fixture
def contract(loaded):
    from commitments.models import Commitment
    from toms.models import Measure

    contract = ContractFactory(
        reference="LCC-2025-014",
        title="Facilities management",
        commissioner=OrganisationFactory(public=True, name="Liverpool City Council"),
        supplier=OrganisationFactory(name="Mersey Facilities Services Ltd"),
    )
    for code, target in (("NT1", 12), ("NT17", 1200)):
        Commitment.objects.create(contract=contract, measure=Measure.objects.get(code=code), target_quantity=target)
    MembershipFactory(organisation=contract.supplier, role=Role.REPORTER,
                      user=UserFactory(email="kieran@mfs.example", full_name="Kieran Doyle"))
    MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER,
                      user=UserFactory(email="grace@liverpool.example", full_name="Grace Okafor"))
    return contract


def watch(page, errors):
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
    page.on("response", lambda res: errors.append(f"{res.status}: {res.url}") if res.status >= 400 else None)


# A form sent back with errors answers 400 Bad Request, as every form in the portal does; the
# browser reports those responses. Anything else (a CSP violation, a missing file) is a fault.
EXPECTED_400 = re.compile(r"^400: http://[^/]+/returns/\d+/(edit|submit|review)/$")
CHROME_400 = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def unexpected(errors):
    return [e for e in errors if not EXPECTED_400.match(e) and e != CHROME_400]


def sign_in(page, url, email):
    page.goto(url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def submit(page):
    page.get_by_label(re.compile("I confirm that these figures relate only to contract LCC-2025-014")).check()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".returns-status .govuk-tag")).to_have_text("Submitted for review")


def test_a_return_is_submitted_sent_back_resubmitted_and_approved(page, browser, loaded, contract, console_errors):
    quarter = Quarter.current().previous()

    # The reporter starts the return from the due list and fills in the committed measures.
    sign_in(page, loaded.url, "kieran@mfs.example")
    page.get_by_role("link", name="Returns").first.click()
    expect(page.get_by_role("heading", name="Due and overdue")).to_be_visible()
    page.get_by_role("button", name=f"Start the {quarter} return for LCC-2025-014").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{quarter} figures")
    expect(page.locator("legend").nth(0)).to_contain_text("NT1")
    expect(page.locator("legend").nth(1)).to_contain_text("NT17")

    page.get_by_label("Quantity for NT1, in FTE").fill("2")
    page.get_by_label("What was delivered, and for whom (NT1)").fill("Two local hires from Kirkby")
    page.get_by_label("Quantity for NT17, in hours").fill("-40")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Line 2 (NT17): A quantity cannot be negative.")
    page.get_by_role("link", name="Line 2 (NT17): A quantity cannot be negative.").click()
    expect(page.get_by_label("Quantity for NT17, in hours")).to_be_focused()
    page.get_by_label("Quantity for NT17, in hours").fill("40")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Figures saved")
    expect(page.locator("#figures + table")).to_contain_text("2 FTE")
    return_url = page.url

    page.get_by_role("button", name="Submit for review").click()  # without the attestation
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm that the figures relate only to")
    submit(page)

    # The commissioner, in their own browser, sends it back with a comment.
    commissioner = browser.new_context().new_page()
    commissioner_errors = []
    watch(commissioner, commissioner_errors)
    sign_in(commissioner, loaded.url, "grace@liverpool.example")
    commissioner.goto(loaded.url + "/returns/review/")
    commissioner.get_by_role("link", name=re.compile("Mersey Facilities Services Ltd")).click()
    expect(commissioner.get_by_role("button", name="Approve")).to_be_visible()
    commissioner.get_by_label("Comment for the supplier").fill("NT1 looks low: include the site assistant.")
    commissioner.get_by_role("button", name="Request changes").click()
    expect(commissioner.locator(".returns-status .govuk-tag")).to_have_text("Changes requested")

    # The reporter sees the comment, corrects the figure and resubmits.
    page.goto(return_url)
    expect(page.locator("body")).to_contain_text("NT1 looks low: include the site assistant.")
    page.get_by_role("button", name="Change the figures").click()
    page.get_by_label("Quantity for NT1, in FTE").fill("2.5")
    page.get_by_role("button", name="Save and continue").click()
    submit(page)
    expect(page.get_by_role("button", name="Change the figures")).to_have_count(0)

    # The commissioner approves it; nobody can change it now, but the reporter can correct it.
    commissioner.reload()
    commissioner.get_by_role("button", name="Approve").click()
    expect(commissioner.locator(".returns-status .govuk-tag")).to_have_text("Approved")
    expect(commissioner.get_by_role("button", name="Correct this return")).to_have_count(0)
    page.reload()
    expect(page.locator(".returns-status .govuk-tag")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Correct this return")).to_be_visible()
    expect(page.get_by_role("button", name="Change the figures")).to_have_count(0)

    # Progress on the contract counts the approved figures, as a chart and a table.
    commissioner.get_by_role("link", name="Progress on contract LCC-2025-014").click()
    expect(commissioner.locator("img.contract-progress__chart")).to_have_attribute("alt", re.compile("Bar chart"))
    # The chart is a separate request: wait until the image has loaded (a broken one never does).
    commissioner.wait_for_function(
        "() => { const i = document.querySelector('img.contract-progress__chart');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    expect(commissioner.locator(".contract-progress__table")).to_contain_text("2.5 FTE")

    # Let the pages finish loading before the live server stops.
    page.wait_for_load_state("networkidle")
    commissioner.wait_for_load_state("networkidle")
    commissioner.context.close()
    assert unexpected(console_errors) == []
    assert unexpected(commissioner_errors) == []


def test_the_return_form_fits_a_phone(page, loaded, contract, console_errors):
    from commitments.services import returns as rs

    reporter = contract.supplier.memberships.get().user
    ret = rs.start_return(reporter, contract.supplier, Quarter.current().previous(), contract)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, loaded.url, "kieran@mfs.example")
    page.goto(f"{loaded.url}/returns/{ret.pk}/edit/")
    page.get_by_label("Quantity for NT17, in hours").fill("-1")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the return form scrolls sideways on a phone ({width}px wide)"
    assert unexpected(console_errors) == []
