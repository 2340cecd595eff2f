"""axe-core in Chromium on every page of the main journeys, for every role: no serious or critical
WCAG 2.2 A/AA violation anywhere, on the pages as they are and on key forms sent back with errors.

One demo world (``seed_demo``: returns in every state, snapshots, Partner VCFSE commitments,
invitations), then one browser context per role visiting that role's pages. Each page is a
subtest, so one run reports every failing page with axe's rule, impact, help and elements."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from tests.e2e.axe import assert_no_serious_axe_violations, describe, serious_axe_violations
from tests.e2e.demo_world import OTHER_SUPPLIER, PEOPLE, SUPPLIER, VCFSE, sign_in_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def objects():
    """The ids the pages are about, found in the demo world."""
    from charter.models import Invitation, Membership, Organisation, User
    from commitments.models import Contract, Return, ReturnLine, ReturnLineRecipient
    from reporting.models import Report, Snapshot, SnapshotBuild

    supplier = Organisation.objects.get(name=SUPPLIER)
    other_supplier = Organisation.objects.get(name=OTHER_SUPPLIER)
    vcfse = Organisation.objects.get(name=VCFSE)
    contract = Contract.objects.get(supplier=supplier)
    other_contract = Contract.objects.get(supplier=other_supplier)
    returns = Return.objects.filter(contract=contract)
    snapshot = Snapshot.objects.filter(built_at__isnull=False).order_by("-year", "-quarter").first()
    analyst = User.objects.get(email=PEOPLE["icb_analyst"])
    admin = User.objects.get(email=PEOPLE["icb_admin"])
    build = SnapshotBuild.objects.create(
        year=snapshot.year,
        quarter=snapshot.quarter,
        status="done",
        requested_by=admin,
        message=f"Built from {snapshot.returns_count} approved returns.",
    )
    running = SnapshotBuild.objects.create(
        year=snapshot.year, quarter=snapshot.quarter, status="running", requested_by=admin
    )
    ready = Report.objects.create(
        kind="system",
        year=snapshot.year,
        quarter=snapshot.quarter,
        title=f"System-wide quarterly report, {snapshot.period}",
        status="done",
        progress=100,
        requested_by=analyst,
    )
    ready.file.save("report.pdf", ContentFile(b"%PDF-1.4\n%\n"))
    building = Report.objects.create(
        kind="system",
        year=snapshot.year,
        quarter=snapshot.quarter,
        title=f"System-wide quarterly report, {snapshot.period}",
        status="running",
        progress=40,
        requested_by=analyst,
    )
    partner_line = ReturnLine.objects.filter(
        return_obj__in=returns.filter(status="draft"), measure__is_partner_vcfse=True
    ).first()
    named = ReturnLineRecipient.objects.filter(line__return_obj__organisation=supplier).select_related("line").first()
    return {
        "supplier": supplier.pk,
        "supplier_slug": supplier.slug,
        "other_supplier": other_supplier.pk,
        "vcfse": vcfse.pk,
        "contract": contract.pk,
        "other_contract": other_contract.pk,
        "draft": returns.get(status="draft").pk,
        "submitted": returns.get(status="submitted").pk,
        "approved": returns.filter(status="approved").order_by("-year", "-quarter").first().pk,
        "changes_requested": Return.objects.get(contract=other_contract, status="changes_requested").pk,
        "viewer_membership": Membership.objects.get(user__email=PEOPLE["viewer"]).pk,
        "invitation": Invitation.objects.filter(organisation=supplier).first().pk,
        "draft_partner_line": partner_line.pk,
        "named_return": named.line.return_obj_id,
        "named_line": named.line_id,
        "build": build.pk,
        "running_build": running.pk,
        "report": ready.pk,
        "building_report": building.pk,
        "quarter": f"{snapshot.year}-{snapshot.quarter}",
    }


def public_pages(o):
    return [
        ("home", "/"),
        ("the Charter", "/charter/"),
        ("the register", "/register/"),
        ("the register, searched and filtered", "/register/?q=mersey&place=liverpool"),
        ("an organisation on the register", f"/register/{o['supplier_slug']}/"),
        ("checking a certificate", "/register/verify/"),
        ("the framework catalogue", "/framework/"),
        ("a measure", "/framework/measures/NT1/"),
        ("the public summary", "/social-value/"),
        ("signing: start", "/charter/sign/"),
        ("signing: search", "/charter/sign/?q=mersey"),
        ("signing: the organisation step", "/charter/sign/steps/organisation/"),
        ("sign in", "/accounts/login/"),
        ("password reset", "/accounts/password_reset/"),
        ("accessibility statement", "/accessibility/"),
        ("privacy notice", "/privacy/"),
        ("cookies", "/cookies/"),
        ("contact", "/contact/"),
        ("page not found", "/no-such-page/"),
        ("an invitation link that is not valid", "/invitations/not-a-valid-token/"),
    ]


def signed_in_pages(role):
    """The pages every role starts from after signing in (what differs between roles is what they list)."""
    pages = [
        ("home", "/"),
        ("your organisations", "/organisations/"),
        ("returns", "/returns/"),
        ("contracts", "/contracts/"),
    ]
    if role in ("reporter", "other_reporter", "org_admin", "viewer", "vcfse", "icb_admin"):
        pages.append(("returns due", "/returns/due/"))
    if role in ("commissioner", "other_commissioner", "icb_analyst"):
        pages.append(("returns to review", "/returns/review/"))
    if role == "reporter":  # the same pages for everyone signed in
        pages += [
            ("your account", "/accounts/"),
            ("API tokens", "/accounts/api-tokens/"),
            ("change password", "/accounts/password_change/"),
            ("your reports", "/reporting/reports/"),
            ("page not found", "/no-such-page/"),
        ]
    return pages


def role_pages(role, o):
    s, c = o["supplier"], o["contract"]
    supplier_reader = [
        ("the organisation", f"/organisations/{s}/"),
        ("its Charter", f"/organisations/{s}/charter/"),
        ("its Partner VCFSE commitment", f"/organisations/{s}/partner-vcfse/"),
        ("the contract", f"/contracts/{c}/"),
        ("the submitted return", f"/returns/{o['submitted']}/"),
        ("an approved return", f"/returns/{o['approved']}/"),
        ("a return's history", f"/returns/{o['approved']}/history/"),
    ]
    supplier_reporter = [
        *supplier_reader,
        ("start a return", "/returns/start/"),
        ("upload returns", "/returns/upload/"),
        ("the draft return", f"/returns/{o['draft']}/"),
        ("the draft return's figures", f"/returns/{o['draft']}/edit/"),
        ("adding evidence", f"/returns/{o['draft']}/evidence/"),
        ("adding a case study", f"/returns/{o['draft']}/case-studies/"),
        ("uploading the return's spreadsheet", f"/returns/{o['draft']}/upload/"),
        ("naming VCFSE recipients", f"/returns/{o['draft']}/lines/{o['draft_partner_line']}/recipients/?q=wirral"),
        ("VCFSE recipients named", f"/returns/{o['named_return']}/lines/{o['named_line']}/recipients/"),
    ]
    icb = [
        ("the dashboard", "/reporting/dashboard/"),
        ("the dashboard, filtered", f"/reporting/dashboard/?quarter={o['quarter']}&place=liverpool"),
        ("a new report", "/reporting/reports/new/?kind=system"),
        ("the directory", "/icb/organisations/"),
        ("an organisation in the directory", f"/icb/organisations/{s}/"),
        ("Partner VCFSE across the system", "/icb/partner-vcfse/"),
        ("signatures", "/icb/signatures/"),
        ("a return", f"/returns/{o['submitted']}/"),
        ("the contract", f"/contracts/{c}/"),
    ]
    pages = {
        "reporter": supplier_reporter,
        # The admin's other pages are the reporter's, with the admin's links added on these.
        "org_admin": [
            ("the organisation", f"/organisations/{s}/"),
            ("its Partner VCFSE commitment", f"/organisations/{s}/partner-vcfse/"),
            ("the draft return", f"/returns/{o['draft']}/"),
            ("people", f"/organisations/{s}/people/"),
            ("inviting a person", f"/organisations/{s}/people/invite/"),
            ("changing a role", f"/organisations/{s}/people/{o['viewer_membership']}/role/"),
            ("removing a person", f"/organisations/{s}/people/{o['viewer_membership']}/remove/"),
            ("the organisation's details", f"/organisations/{s}/edit/"),
            ("revising the Partner VCFSE targets", f"/organisations/{s}/partner-vcfse/targets/"),
            ("editing the Partner VCFSE commitment", f"/organisations/{s}/partner-vcfse/edit/"),
        ],
        "viewer": supplier_reader,
        "other_reporter": [
            ("the organisation", f"/organisations/{o['other_supplier']}/"),
            ("its contract", f"/contracts/{o['other_contract']}/"),
            ("a return sent back", f"/returns/{o['changes_requested']}/"),
            ("the figures of a return sent back", f"/returns/{o['changes_requested']}/edit/"),
        ],
        "vcfse": [
            ("the organisation", f"/organisations/{o['vcfse']}/"),
            ("its Partner VCFSE commitment", f"/organisations/{o['vcfse']}/partner-vcfse/"),
            ("support received", f"/organisations/{o['vcfse']}/partner-vcfse/received/"),
        ],
        "commissioner": [
            ("the commissioner's figures", "/reporting/commissioner/"),
            ("the contract", f"/contracts/{c}/"),
            ("editing the contract", f"/contracts/{c}/edit/"),
            ("its commitments", f"/contracts/{c}/commitments/"),
            ("recording a contract", "/contracts/new/"),
            ("importing contracts", "/contracts/import/"),
            ("reviewing the submitted return", f"/returns/{o['submitted']}/"),
            ("an approved return", f"/returns/{o['approved']}/"),
        ],
        "other_commissioner": [
            ("the commissioner's figures", "/reporting/commissioner/"),
            ("the contract", f"/contracts/{o['other_contract']}/"),
            ("a return sent back", f"/returns/{o['changes_requested']}/"),
        ],
        "icb_analyst": [
            *icb,
            ("a report being built", f"/reporting/reports/{o['building_report']}/"),
            ("a finished report", f"/reporting/reports/{o['report']}/"),
        ],
        "icb_admin": [
            *icb,
            ("snapshots", "/reporting/snapshots/"),
            ("a finished rebuild", f"/reporting/snapshots/builds/{o['build']}/"),
            ("a rebuild in progress", f"/reporting/snapshots/builds/{o['running_build']}/"),
            ("importing proxy values", "/framework/proxy-values/import/"),
            ("the audit log", "/icb/audit/"),
            ("the audit log, filtered", "/icb/audit/?kind=sign_in&person=example"),
        ],
    }[role]
    return [*signed_in_pages(role), *pages]


# Forms sent back with errors: (role, form, page, its submit button (None: the main form's last),
# what to type first (label: text); empty otherwise).
ERROR_STATES = [
    ("anonymous", "sign in", "/accounts/login/", "Sign in"),
    ("anonymous", "password reset", "/accounts/password_reset/", "Send the link"),
    ("anonymous", "signing: the organisation step", "/charter/sign/steps/organisation/", "Continue"),
    ("anonymous", "checking a certificate", "/register/verify/", "Check the certificate", {"#ref": "SVC-1-NOPE"}),
    (
        "reporter",
        "the return's figures",
        "/returns/{draft}/edit/",
        "Save and continue",
        {"main input[name$=quantity]": "-1"},
    ),
    ("reporter", "submitting the return", "/returns/{draft}/", "Submit for review"),
    ("reporter", "adding evidence", "/returns/{draft}/evidence/", None),
    ("reporter", "adding a case study", "/returns/{draft}/case-studies/", None),
    ("reporter", "change password", "/accounts/password_change/", "Change the password"),
    ("org_admin", "inviting a person", "/organisations/{supplier}/people/invite/", "Send the invitation"),
    ("commissioner", "recording a contract", "/contracts/new/", None),
    ("commissioner", "requesting changes", "/returns/{submitted}/", "Request changes"),
    (
        "icb_admin",
        "rebuilding a quarter",
        "/reporting/snapshots/",
        "Rebuild this quarter",
        {"#id_quarter": "the last one"},
    ),
    ("icb_admin", "filtering the audit log", "/icb/audit/", "Show events", {"#id_start": "last week"}),
]


def signing_journey(page, base_url, checked):
    """A new organisation signs the Charter: every step, the commitment refused, the check page,
    the confirmation sent, and the signatory's confirmation page."""
    import re

    from django.core import mail

    page.goto(base_url + "/charter/sign/steps/organisation/")
    page.get_by_label("Organisation name").fill("Bootle Bike Kitchen CIC")
    page.get_by_label("Voluntary, community, faith and social enterprise (VCFSE)").check()
    page.get_by_label("Kind of organisation").select_option("social_enterprise")
    page.get_by_label("Where is the organisation based?").select_option("sefton")
    page.get_by_label("Micro (fewer than 10 people)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is signing for the organisation?")
    checked("signing: the signatory step")
    page.get_by_label("Full name of the signatory").fill("Dee Okafor")
    page.get_by_label("Designation").fill("Director")
    page.get_by_label("Work e-mail address").fill("dee@bootlebikes.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The commitment")
    checked("signing: the commitment step")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    checked("signing: the commitment step, sent back with errors")
    page.get_by_label("We agree to this commitment").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before signing")
    checked("signing: check your answers")
    page.get_by_role("button", name="Sign and send the confirmation e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nearly there")
    checked("signing: the confirmation e-mail sent")
    path = re.search(r"/charter/confirm/[^\s/]+/", mail.outbox[-1].body).group(0)
    page.goto(base_url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the signature")
    checked("signing: confirming the signature")
    page.get_by_role("button", name="Confirm the signature").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    checked("signing: confirming the signature, sent back with errors")


# A chart is an image of figures: it must say what it shows (alt text) and have a table of the same
# figures beside it (in the same box, up to three levels up).
CHARTS = "main img.reporting-chart__image, main img.contract-progress__chart, main img.vcfse-trend"
CHARTS_WITHOUT_TABLES = """(selector) => {
  const charts = Array.from(document.querySelectorAll(selector));
  const lone = charts.filter(img => {
    let box = img.parentElement;
    for (let up = 0; up < 3 && box && box.tagName !== 'MAIN'; up++, box = box.parentElement) {
      if (box.querySelector('table caption')) return !img.alt.trim();
    }
    return true;
  });
  return {count: charts.length, lone: lone.map(img => img.getAttribute('src'))};
}"""


class Checker:
    """Runs the checks on the page as it is, each as a subtest; keeps every failure for the summary."""

    def __init__(self, subtests):
        self.subtests = subtests
        self.failures = []
        self.charts = 0

    def __call__(self, page, role, name):
        with self.subtests.test(role=role, page=name):
            found = serious_axe_violations(page)
            charts = page.evaluate(CHARTS_WITHOUT_TABLES, CHARTS)
            self.charts += charts["count"]
            problems = describe(found)
            if charts["lone"]:
                problems += f"\ncharts with no alt text or no table of their figures beside them: {charts['lone']}"
            if problems:
                self.failures.append(f"{role}, {name} ({page.url}):\n{problems}")
            assert not problems, f"{page.url}:\n{problems}"


ROLES = ["anonymous", *PEOPLE]


def test_every_page_of_every_roles_journeys_has_no_serious_axe_violations(browser, demo, subtests):
    o = objects()
    check = Checker(subtests)
    for role in ROLES:
        context = browser.new_context()
        sign_in_session(context, demo.url, role)
        page = context.new_page()
        for name, path in public_pages(o) if role == "anonymous" else role_pages(role, o):
            response = page.goto(demo.url + path)
            expected = 404 if "not found" in name else (400 if "not valid" in name else 200)
            with subtests.test(role=role, page=name, check="status"):
                assert response.status == expected, f"{role}: {path} answered {response.status}"
            check(page, role, name)
        for error_role, name, path, button, *typed in ERROR_STATES:
            if error_role != role:
                continue
            with subtests.test(role=role, page=f"{name}, sent back with errors", check="error summary"):
                page.goto(demo.url + path.format(**o))
                for selector, text in (typed[0] if typed else {}).items():
                    page.locator(selector).first.fill(text)
                form_button = (
                    page.get_by_role("button", name=button, exact=True)
                    if button
                    else page.locator("main form[method=post] button[type=submit]").last
                )
                form_button.click()
                expect(page.locator(".govuk-error-summary")).to_be_visible()
                check(page, role, f"{name}, sent back with errors")
        if role == "anonymous":
            with subtests.test(role=role, page="signing the Charter", check="journey"):
                signing_journey(page, demo.url, lambda name, page=page, role=role: check(page, role, name))
        context.close()
    assert not check.failures, "\n\n".join(check.failures)
    assert check.charts >= 10, f"only {check.charts} charts seen: has the charts' markup changed?"


def test_the_axe_helper_reports_rule_impact_help_and_elements(page):
    """The check itself: a page with known faults fails, naming each."""
    page.set_content(
        '<html lang="en"><head><title>Faults</title></head><body><main><h1>Faults</h1>'
        '<img src="data:," id="chart"><a href="/next"></a>'
        '<p style="color:#aaa;background:#fff">Pale text</p></main></body></html>'
    )
    with pytest.raises(AssertionError) as failed:
        assert_no_serious_axe_violations(page)
    message = str(failed.value)
    for expected in (
        "[critical] image-alt",
        "#chart",
        "[serious] link-name",
        "[serious] color-contrast",
        "Images must have alternative text",
        "insufficient color contrast",
    ):
        assert expected in message
    page.set_content('<html lang="en"><head><title>Fine</title></head><body><main><h1>Fine</h1></main></body></html>')
    assert_no_serious_axe_violations(page)
