"""The Partner VCFSE commitment in Chromium: a private-sector admin makes the commitment in the
question pages, names a VCFSE recipient on a quarter's return and submits it; the commissioner (a
different person) approves it; the VCFSE confirms what it received; the supplier's progress shows
the amount confirmed. Three people, three browser contexts."""

import re

import pytest
from playwright.sync_api import expect

from charter.models import Place, Role
from tests.factories import ContractFactory, MembershipFactory, OrganisationFactory, UserFactory
from toms.periods import Quarter, financial_year_label

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
CHROME_400 = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture
def world(live_server):
    from commitments.models import Commitment
    from toms.models import Measure
    from toms.services import load_framework

    load_framework()
    contract = ContractFactory(
        reference="LCC-2025-014", title="Facilities management",
        commissioner=OrganisationFactory(public=True, name="Liverpool City Council"),
        supplier=OrganisationFactory(name="Mersey Facilities Services Ltd"),
    )
    Commitment.objects.create(contract=contract, measure=Measure.objects.get(code="NT14"), target_quantity=100000)
    MembershipFactory(organisation=contract.supplier, role=Role.ADMIN,
                      user=UserFactory(email="sian@mfs.example", full_name="Sian Hughes"))
    MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER,
                      user=UserFactory(email="grace@liverpool.example", full_name="Grace Okafor"))
    pantry = OrganisationFactory(vcfse=True, name="Wirral Community Pantry", place=Place.WIRRAL)
    MembershipFactory(organisation=pantry, role=Role.ADMIN, user=UserFactory(email="jo@pantry.example", full_name="Jo Kelly"))
    return {"url": live_server.url, "contract": contract, "pantry": pantry}


def watch(page, errors):
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
    page.on("response", lambda res: errors.append(f"{res.status}: {res.url}") if res.status >= 400 else None)


def unexpected(errors):
    # A refused form answers 400, as every form in the portal does.
    return [e for e in errors if e != CHROME_400 and not re.match(r"^400: ", e)]


def sign_in(page, url, email):
    page.goto(url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def cont(page):
    page.get_by_role("button", name="Continue").click()


def test_commit_report_a_recipient_approve_confirm_and_see_it_confirmed(page, browser, world, console_errors):
    from commitments.services import returns as rs

    url, contract, pantry = world["url"], world["contract"], world["pantry"]
    quarter = Quarter.current().previous()
    base = quarter.year - 1

    # The supplier's admin makes the commitment from the organisation's page.
    sign_in(page, url, "sian@mfs.example")
    page.goto(f"{url}/organisations/{contract.supplier.pk}/")
    page.get_by_role("link", name="Make the commitment").click()
    page.get_by_role("link", name="Make the commitment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which financial year is your baseline?")
    page.get_by_label("Which financial year is your baseline?").fill(financial_year_label(quarter.year + 1))
    cont(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("has not started yet")
    page.get_by_label("Which financial year is your baseline?").fill(financial_year_label(base))
    cont(page)
    for code, value in (("NT14", "20000"), ("NT15", "40"), ("NT16", "1000"), ("NT17", "300")):
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"What was your {code} baseline")
        page.get_by_label(f"{code} in {financial_year_label(base)}").fill(value)
        page.get_by_label("From our own finance or HR records").check()
        cont(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("What opportunities have you identified?")
    page.get_by_label("VCFSE organisations in the supply chain").check()
    page.get_by_label("What key opportunities have you identified?").fill("Catering from social enterprises")
    cont(page)
    for code, values in (("NT14", ("15000", "25000", "30000")), ("NT15", ("40", "50", "60")),
                         ("NT16", ("1000", "1100", "1200")), ("NT17", ("300", "350", "400"))):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"What are your {code} targets?")
        for n, value in enumerate(values, start=1):
            page.get_by_label(f"Target for {financial_year_label(base + n)}").fill(value)
        cont(page)
        if code == "NT14":  # 15,000 is below the 20,000 baseline: refused, with why
            expect(page.locator(".govuk-error-summary")).to_contain_text("The commitment is to increase year on year")
            page.get_by_label(f"Target for {financial_year_label(base + 1)}").fill("22000")
            cont(page)
    page.get_by_label("Yes", exact=True).check()
    cont(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before making the commitment")
    expect(page.locator("main")).to_contain_text("£20,000")
    page.get_by_role("button", name="Make the commitment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has made the Partner VCFSE commitment")

    # A quarter's return on the contract names the pantry as receiving part of the NT14 spend.
    admin = contract.supplier.memberships.get(role=Role.ADMIN).user
    ret = rs.start_return(admin, contract.supplier, quarter, contract)
    rs.save_draft(ret, admin, [rs.LineInput("NT14", "5000", "Catering")], revision=ret.revision)
    page.goto(f"{url}/returns/{ret.pk}/")
    page.get_by_role("link", name="Name recipients for NT14").click()
    page.get_by_label("Find it on the portal").fill("pantry")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Wirral Community Pantry (Wirral)").check()
    page.get_by_label("How much did it receive?").fill("3000")
    page.get_by_role("button", name="Add the recipient").click()
    expect(page.locator("#share-named")).to_contain_text("£3,000")
    expect(page.locator("#share-named")).to_contain_text("60% of the line")
    page.get_by_role("link", name="Back to the return").click()
    page.goto(f"{url}/returns/{ret.pk}/")
    page.get_by_label(re.compile("I confirm that these figures relate only to contract LCC-2025-014")).check()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".returns-status .govuk-tag").first).to_have_text("Submitted for review")

    # The commissioner approves it.
    commissioner = browser.new_context().new_page()
    commissioner_errors = []
    watch(commissioner, commissioner_errors)
    sign_in(commissioner, url, "grace@liverpool.example")
    commissioner.goto(f"{url}/returns/{ret.pk}/")
    expect(commissioner.locator("#who-benefited")).to_be_visible()
    commissioner.get_by_role("button", name="Approve").click()
    expect(commissioner.locator(".returns-status .govuk-tag").first).to_have_text("Approved")

    # The pantry confirms what it received.
    vcfse = browser.new_context().new_page()
    vcfse_errors = []
    watch(vcfse, vcfse_errors)
    sign_in(vcfse, url, "jo@pantry.example")
    vcfse.goto(f"{url}/organisations/{pantry.pk}/")
    vcfse.get_by_role("link", name=re.compile("Confirm or dispute")).click()
    expect(vcfse.locator("main")).to_contain_text("Mersey Facilities Services Ltd: £3,000 (NT14)")
    vcfse.get_by_label("Yes, we confirm it").check()
    vcfse.get_by_role("button", name=re.compile("Send your answer")).click()
    expect(vcfse.locator(".govuk-notification-banner")).to_contain_text("You confirmed what Mersey Facilities")
    expect(vcfse.locator("main .govuk-tag--green")).to_have_text("Confirmed")

    # The supplier's progress shows it confirmed.
    page.goto(f"{url}/organisations/{contract.supplier.pk}/partner-vcfse/")
    received = page.locator("table", has_text="NT14: who received it").locator("tr", has_text=financial_year_label(quarter.year))
    expect(received).to_contain_text("£3,000")
    against = page.locator("table", has_text="NT14 against its targets").locator("tr", has_text=financial_year_label(quarter.year))
    expect(against).to_contain_text("£5,000")
    chart = page.locator("img.vcfse-trend").first
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 0

    for p in (page, commissioner, vcfse):
        p.wait_for_load_state("networkidle")
    commissioner.context.close()
    vcfse.context.close()
    assert unexpected(console_errors) == []
    assert unexpected(commissioner_errors) == []
    assert unexpected(vcfse_errors) == []
