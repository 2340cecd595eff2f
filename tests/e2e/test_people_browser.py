"""An organisation admin invites a colleague, who follows the e-mailed link, chooses their own
password and submits a return, in Chromium. Two people, two browser contexts."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from charter.models import Membership, Role, User
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory, UserFactory
from toms.periods import Quarter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
# A form sent back with errors answers 400, as every form in the portal does, and the browser
# reports it; anything else (a CSP violation, a missing file) is a fault.
EXPECTED_400 = re.compile(r"^400: http://[^/]+/organisations/\d+/people/invite/$")
CHROME_400 = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture
def loaded(live_server):
    from toms.services import load_framework

    load_framework()
    return live_server


@pytest.fixture
def supplier(loaded):
    from commitments.models import Commitment
    from toms.models import Measure

    contract = ContractFactory(
        reference="LCC-2025-021", title="Catering",
        commissioner=OrganisationFactory(public=True, name="Liverpool City Council"),
        supplier=OrganisationFactory(name="Mersey Facilities Services Ltd"),
    )
    Commitment.objects.create(contract=contract, measure=Measure.objects.get(code="NT1"), target_quantity=12)
    MembershipFactory(organisation=contract.supplier, role=Role.ADMIN,
                      user=UserFactory(email="amira@mfs.example", full_name="Amira Khan"))
    return contract.supplier


def test_an_admin_invites_a_colleague_who_accepts_and_submits_a_return(page, browser, loaded, supplier, console_errors):
    quarter = Quarter.current().previous()

    # The admin signs in, lands on their home and goes to manage the organisation's people.
    page.goto(loaded.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("amira@mfs.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs you now")
    page.get_by_role("link", name="Manage the people of Mersey Facilities Services Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    page.get_by_role("button", name="Invite a person").click()

    # A mistake first: the form names the field.
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the e-mail address of the person to invite")
    page.get_by_label("E-mail address").fill("Kieran@MFS.example")
    page.get_by_role("radio", name=re.compile("^Reporter")).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Invitation sent to kieran@mfs.example")
    expect(page.locator("#invitations + table")).to_contain_text("kieran@mfs.example")

    # The colleague follows the link from the e-mail in their own browser.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kieran@mfs.example"]
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(loaded.url)  # the address the admin used, not SITE_URL
    colleague = browser.new_context().new_page()
    colleague_errors = []
    colleague.on("console", lambda msg: colleague_errors.append(msg.text) if msg.type == "error" else None)
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Join Mersey Facilities Services Ltd")
    colleague.get_by_label("Your full name").fill("Kieran Doyle")
    colleague.get_by_label("Choose a password").fill("Kirkby-catering-2026")
    colleague.get_by_label("Confirm the password").fill("Kirkby-catering-2026")
    colleague.get_by_role("button", name="Create the account and join").click()
    expect(colleague.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your account is ready and you have joined Mersey Facilities Services Ltd"
    )
    user = User.objects.get(email="kieran@mfs.example")
    assert Membership.objects.get(user=user, organisation=supplier).role == Role.REPORTER

    # Their home shows the return due; they fill it in and submit it.
    expect(colleague.get_by_role("heading", name="Your quarterly returns")).to_be_visible()
    colleague.get_by_role("link", name="Returns", exact=True).first.click()
    colleague.get_by_role("button", name=f"Start the {quarter} return for LCC-2025-021").click()
    colleague.get_by_label("Quantity for NT1, in FTE").fill("3")
    colleague.get_by_label("What was delivered, and for whom (NT1)").fill("Three cooks hired in Kirkby")
    colleague.get_by_role("button", name="Save and continue").click()
    colleague.get_by_label(re.compile("I confirm that these figures relate only to contract LCC-2025-021")).check()
    colleague.get_by_role("button", name="Submit for review").click()
    expect(colleague.locator(".returns-status .govuk-tag").first).to_have_text("Submitted for review")

    # The link works once.
    again = browser.new_context().new_page()
    again.goto(link)
    expect(again.get_by_role("heading", level=1)).to_have_text("This invitation cannot be used")
    expect(again.locator("main")).to_contain_text("already been used")

    # The admin sees the new member, and nothing is waiting any more.
    page.reload()
    expect(page.locator("#members + table")).to_contain_text("Kieran Doyle")
    expect(page.locator("main")).to_contain_text("No invitations are waiting.")
    assert [e for e in console_errors if not EXPECTED_400.match(e) and e != CHROME_400] == []
    assert colleague_errors == []
