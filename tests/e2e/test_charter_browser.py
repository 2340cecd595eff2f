"""A new organisation, with no account yet, signs the Charter end to end in Chromium.

Start page → register it → each step → check answers → the confirmation e-mail → confirm →
sign in with the new admin account → the organisation's Charter page → the PDF certificate.
"""

import io
import json
import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORG_NAME = "Bootle Bike Kitchen CIC"
SIGNATORY_EMAIL = "dee@bootlebikes.example"
PASSWORD = "pedal power for all 77"


@pytest.fixture
def charter_v1(transactional_db):
    """Version 1 of the Charter, as the data migration publishes it.

    Transactional tests empty the database afterwards, so an earlier one may have removed it.
    """
    from django.utils import timezone

    from charter.models import CharterVersion

    data = json.loads((settings.BASE_DIR / "fixtures" / "charter_v1.json").read_text(encoding="utf-8"))
    number = data.pop("number")
    version, _ = CharterVersion.objects.get_or_create(number=number, defaults={**data, "published_at": timezone.now()})
    return version


@pytest.fixture
def eager_tasks():
    """Send the confirmation e-mail in the live server's thread, into django.core.mail.outbox,
    even when a Celery broker is configured (as in CI)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def pdf_text(content):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_new_organisation_signs_the_charter(page, live_server, charter_v1, eager_tasks, console_errors):
    from charter.models import Organisation, Signature

    # The start page: the organisation is not on the portal, so register it.
    page.goto(live_server.url + "/charter/sign/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign the Charter")
    page.get_by_role("button", name="Register it and sign").click()

    # Step: the organisation. Nothing filled in is refused with clear messages.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about your organisation")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Organisation name").fill(ORG_NAME)
    page.get_by_label("Voluntary, community, faith and social enterprise (VCFSE)").check()
    page.get_by_label("Kind of organisation").select_option("social_enterprise")
    page.get_by_label("Where is the organisation based?").select_option("sefton")
    page.get_by_label("Micro (fewer than 10 people)").check()
    page.get_by_role("button", name="Continue").click()

    # Step: the signatory.
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is signing for the organisation?")
    page.get_by_label("Full name of the signatory").fill("Dee Okafor")
    page.get_by_label("Designation").fill("Director")
    page.get_by_label("Work e-mail address").fill(SIGNATORY_EMAIL)
    page.get_by_role("button", name="Continue").click()

    # Step: the commitment, which must be agreed; pledges are optional.
    expect(page.get_by_role("heading", level=1)).to_have_text("The commitment")
    expect(page.locator("main")).to_contain_text(charter_v1.commitment_statement)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Agree to the commitment")
    page.get_by_label("We agree to this commitment").check()
    page.get_by_label(charter_v1.priorities[2]).check()
    page.get_by_label("In your own words").fill("We fix bikes for people <b>getting back</b> into work.")
    page.get_by_role("button", name="Continue").click()

    # Check your answers, then sign.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before signing")
    main = page.locator("main")
    for text in (ORG_NAME, "Sefton", "Dee Okafor", "Director", SIGNATORY_EMAIL, charter_v1.priorities[2]):
        expect(main).to_contain_text(text)
    expect(main).to_contain_text("We fix bikes for people <b>getting back</b> into work.")  # shown, not run
    page.get_by_role("button", name="Sign and send the confirmation e-mail").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Nearly there")
    expect(main).to_contain_text(SIGNATORY_EMAIL)
    assert Signature.objects.get().status == "pending"

    # The signatory follows the link in the e-mail: a button first, then the signature is live.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [SIGNATORY_EMAIL]
    path = re.search(r"/charter/confirm/[^\s/]+/", mail.outbox[0].body).group(0)
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the signature")
    assert Signature.objects.get().status == "pending"
    # The signatory, not the person who filled in the form, chooses the account's password.
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Confirm the signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signature confirmed")
    expect(main).to_contain_text(f"{ORG_NAME} has signed the Social Value Charter")
    assert Signature.objects.get().status == "live"

    # Sign in with the new organisation admin account; it lands on the organisation's Charter page.
    main.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail address").fill(SIGNATORY_EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    organisation = Organisation.objects.get(name=ORG_NAME)
    expect(page).to_have_url(re.compile(rf"/organisations/{organisation.pk}/charter/$"))
    expect(page.get_by_role("heading", level=2, name="Signed: version 1")).to_be_visible()

    # The certificate: a PDF with the organisation's name.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        content = f.read()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert ORG_NAME in text and "Dee Okafor" in text and f"version {charter_v1.number}" in text

    # And the organisation is on the public register, linking to its public page.
    page.get_by_role("link", name="See the public register entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORG_NAME)
    expect(page.locator("main")).to_contain_text("We fix bikes for people <b>getting back</b> into work.")
    page.get_by_role("link", name="Register", exact=True).first.click()
    expect(page.locator("#register-results")).to_contain_text(ORG_NAME)

    assert console_errors == []
