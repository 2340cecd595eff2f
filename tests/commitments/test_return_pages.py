"""The return pages: the due list, the form, check and submit, review, corrections, history,
and who may see and do what."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from charter.models import Role
from commitments.models import Return, ReturnLine, ReturnStatus
from commitments.services import returns as rs
from tests.factories import (
    ApprovedReturnFactory,
    ContractFactory,
    DraftReturnFactory,
    MembershipFactory,
    OrganisationFactory,
    SubmittedReturnFactory,
)
from toms.models import Measure, ProxyValue
from toms.periods import Quarter

pytestmark = pytest.mark.django_db
L = rs.LineInput


@pytest.fixture
def measures(framework):
    return {m.code: m for m in Measure.objects.all()}


@pytest.fixture
def contract(measures):
    from commitments.models import Commitment

    contract = ContractFactory(reference="LCC-0042", title="Facilities management")
    Commitment.objects.create(contract=contract, measure=measures["NT17"], target_quantity=400)
    Commitment.objects.create(contract=contract, measure=measures["NT1"], target_quantity=4, financial_year=2025)
    Commitment.objects.create(contract=contract, measure=measures["NT14"], target_quantity=50000)
    return contract


@pytest.fixture
def reporter(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.REPORTER, user__full_name="Kieran Reporter").user


@pytest.fixture
def reporter2(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.ADMIN, user__full_name="Aisha Admin").user


@pytest.fixture
def viewer(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.VIEWER).user


@pytest.fixture
def reviewer(contract):
    return MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user


@pytest.fixture
def stranger(framework):
    """A reporter at another supplier, with a contract of their own."""
    other = ContractFactory()
    return MembershipFactory(organisation=other.supplier, role=Role.REPORTER).user


@pytest.fixture
def draft(contract, reporter):
    return rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def edit_url(ret):
    return reverse("commitments:return-edit", args=[ret.pk])


def form_rows(html):
    """[(measure code, unit)] of the return form's rows, in page order."""
    rows = []
    for block in re.findall(r'<fieldset class="govuk-fieldset" id="line-.*?</fieldset>', html, re.S):
        code = re.search(r'<span class="portal-code">([^<]+)</span>', block).group(1)
        unit = re.search(r"Unit: <strong>([^<]+)</strong>", block).group(1)
        rows.append((code, unit))
    return rows


def post_lines(client, ret, rows, *, action="save", revision=None, extra=None):
    """POST the return form: rows are (code, quantity, narrative)."""
    data = {
        "revision": ret.revision if revision is None else revision,
        "action": action,
        "line-TOTAL_FORMS": len(rows),
        "line-INITIAL_FORMS": len(rows),
    }
    for i, (code, quantity, narrative) in enumerate(rows):
        data.update({f"line-{i}-measure": code, f"line-{i}-quantity": quantity, f"line-{i}-narrative": narrative})
    data.update(extra or {})
    return client.post(edit_url(ret), data)


def lines_of(ret):
    return {line.measure.code: line.quantity for line in ReturnLine.objects.filter(return_obj=ret).select_related("measure")}


# --- the form -----------------------------------------------------------------------------


def test_the_form_lists_committed_measures_first_with_their_units(draft, reporter, measures):
    ReturnLine.objects.create(return_obj=draft, measure=measures["NT29"], quantity=12, narrative="Park clean-up")
    response = as_user(reporter).get(edit_url(draft))
    assert response.status_code == 200
    html = response.text
    assert form_rows(html) == [("NT1", "FTE"), ("NT14", "£"), ("NT17", "hours"), ("NT29", "hours")]
    assert html.index("Measures committed on the contract") < html.index("NT1") < html.index("Other measures")
    assert html.index("Other measures") < html.index('<span class="portal-code">NT29</span>')
    assert "4 FTE in 2025/26" in html and "400 hours over the contract" in html and "£50,000 over the contract" in html
    assert '<div class="govuk-input__suffix" aria-hidden="true">FTE</div>' in html
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in html
    assert 'value="12"' in html and "Park clean-up" in html  # what is saved is filled in
    assert f'name="revision" value="{draft.revision}"' in html


def test_adding_a_measure_keeps_what_was_typed_and_saves_nothing(draft, reporter):
    client = as_user(reporter)
    response = post_lines(
        client, draft, [("NT1", "2", "Two local hires"), ("NT14", "", ""), ("NT17", "", "")],
        action="add", extra={"add_measure": "NT83"},
    )
    assert response.status_code == 200
    assert [code for code, _ in form_rows(response.text)] == ["NT1", "NT14", "NT17", "NT83"]
    assert 'value="2"' in response.text and "Two local hires" in response.text
    assert '<option value="yes"' in response.text  # a yes/no measure is a choice, not a number
    draft.refresh_from_db()
    assert draft.revision == 1 and not draft.lines.exists()


def test_saving_the_draft_keeps_only_the_lines_filled_in(draft, reporter):
    client = as_user(reporter)
    response = post_lines(client, draft, [("NT1", "2", "Two local hires"), ("NT14", "", ""), ("NT17", "40", "")])
    assert response.status_code == 302 and response.url == edit_url(draft)
    assert lines_of(draft) == {"NT1": Decimal(2), "NT17": Decimal(40)}
    response = post_lines(client, Return.objects.get(pk=draft.pk), [("NT1", "3", ""), ("NT17", "40", "")],
                          action="continue")
    assert response.url == reverse("commitments:return-detail", args=[draft.pk])
    assert lines_of(draft) == {"NT1": Decimal(3), "NT17": Decimal(40)}


@pytest.mark.parametrize(
    ("code", "typed", "narrative", "field", "message"),
    [
        ("NT1", "-1", "", "quantity", "A quantity cannot be negative."),
        ("NT1", "lots", "", "quantity", "&#x27;lots&#x27; is not a number; enter a quantity in FTE."),
        ("NT2", "150", "", "quantity", "A percentage must be between 0 and 100."),
        ("NT83", "maybe", "", "quantity", "Answer yes or no."),
        ("NT14", "10.005", "", "quantity", "Give pounds and pence, at most 2 decimal places."),
        ("NT1", "20000", "", "quantity", "more than the 10,000 allowed; check the figure."),
        ("NT17", "", "Beach clean", "quantity", "Enter a quantity in hours."),
        ("NT17", "5", "x" * 4001, "narrative", "Keep the narrative to 4,000 characters."),
        ("XX9", "1", "", "measure", "There is no measure &#x27;XX9&#x27; in the framework."),
    ],
)
def test_every_rule_names_the_line_and_measure_in_the_summary_and_at_the_field(
    draft, reporter, code, typed, narrative, field, message
):
    rows = [("NT1", "2", ""), ("NT14", "", ""), (code, typed, narrative)] if code != "NT1" else [(code, typed, "")]
    number = len(rows)
    response = post_lines(as_user(reporter), draft, rows)
    assert response.status_code == 400
    html = response.text
    target = "quantity" if field == "measure" else field
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S).group(0)
    assert f'href="#id_line-{number - 1}-{target}"' in summary
    assert f"Line {number} ({code}): " in summary and message in summary
    assert "Nothing was saved" in summary
    row = re.search(rf'<fieldset[^>]*id="line-{number}".*?</fieldset>', html, re.S).group(0)
    assert "govuk-error-message" in row and message in row
    assert not ReturnLine.objects.filter(return_obj=draft).exists()
    assert Return.objects.get(pk=draft.pk).revision == 1


def test_a_measure_twice_is_refused_by_line(draft, reporter):
    response = post_lines(as_user(reporter), draft, [("NT1", "2", ""), ("NT1", "3", "")])
    assert response.status_code == 400
    assert "Line 2 (NT1): NT1 is already on line 1" in response.text


def test_a_stale_save_from_a_second_person_is_refused_and_keeps_what_they_typed(draft, reporter, reporter2):
    first, second = as_user(reporter), as_user(reporter2)
    opened = draft.revision
    assert f'name="revision" value="{opened}"' in second.get(edit_url(draft)).text
    saved = post_lines(first, draft, [("NT1", "2", "first"), ("NT17", "40", "")], revision=opened)
    assert saved.status_code == 302

    refused = post_lines(second, draft, [("NT1", "5", "second person's words"), ("NT17", "", "")], revision=opened)
    assert refused.status_code == 409
    html = refused.text
    assert "Someone else saved this return after you opened it, so your changes were not saved" in html
    assert 'value="5"' in html and "second person&#x27;s words" in html
    assert "Now saved by someone else: <strong>2 FTE</strong>" in html
    assert "Now saved by someone else: <strong>40 hours</strong>" in html
    assert "Now saved by someone else: “first”" in html  # NT1's narrative differs too
    assert lines_of(draft) == {"NT1": Decimal(2), "NT17": Decimal(40)}  # the first save stands

    # Having seen the difference, the second person saves again from the page they were shown.
    revision = int(re.search(r'name="revision" value="(\d+)"', html).group(1))
    assert revision == Return.objects.get(pk=draft.pk).revision
    again = post_lines(second, draft, [("NT1", "5", "second"), ("NT17", "", "")], revision=revision)
    assert again.status_code == 302
    assert lines_of(draft) == {"NT1": Decimal(5)}


# --- check, submit, review ----------------------------------------------------------------


def detail(client, ret):
    return client.get(reverse("commitments:return-detail", args=[ret.pk])).text


def test_submitting_needs_the_attestation(draft, reporter):
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    client = as_user(reporter)
    page = detail(client, draft)
    assert "I confirm that these figures relate only to contract LCC-0042 and to 2025/26 Q1" in page
    url = reverse("commitments:return-submit", args=[draft.pk])
    refused = client.post(url, {"revision": 2})
    assert refused.status_code == 400
    assert "Confirm that the figures relate only to" in refused.text and "govuk-error-summary" in refused.text
    assert Return.objects.get(pk=draft.pk).status == ReturnStatus.DRAFT
    done = client.post(url, {"revision": 2, "attested": "on"})
    assert done.status_code == 302
    ret = Return.objects.get(pk=draft.pk)
    assert ret.status == ReturnStatus.SUBMITTED and ret.attested and ret.submitted_by == reporter


def test_submit_from_a_stale_page_is_refused(draft, reporter):
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    response = as_user(reporter).post(reverse("commitments:return-submit", args=[draft.pk]), {"revision": 1, "attested": "on"},
                                      follow=True)
    assert "Someone else saved this return" in response.text
    assert Return.objects.get(pk=draft.pk).status == ReturnStatus.DRAFT


def test_the_whole_review_round_trip_through_the_pages(draft, reporter, reviewer):
    supplier, commissioner = as_user(reporter), as_user(reviewer)
    post_lines(supplier, draft, [("NT1", "2", "Two apprentices"), ("NT14", "", ""), ("NT17", "40", "")])
    page = detail(supplier, draft)
    assert "Submit for review" in page and "Change the figures" in page
    assert "Approve" not in page and "Request changes" not in page
    supplier.post(reverse("commitments:return-submit", args=[draft.pk]), {"revision": 2, "attested": "on"})

    page = detail(supplier, draft)
    assert "Change the figures" not in page and 'action="/returns/' not in page.split("Figures")[1].split("More")[0]
    page = detail(commissioner, draft)
    assert 'value="approve"' in page and 'value="changes"' in page
    assert "Correct this return" not in page and "Change the figures" not in page

    review = reverse("commitments:return-review", args=[draft.pk])
    no_comment = commissioner.post(review, {"decision": "changes", "comment": "  "})
    assert no_comment.status_code == 400 and "Say what needs to change" in no_comment.text
    commissioner.post(review, {"decision": "changes", "comment": "NT1 looks low: include the supply chain."})
    assert Return.objects.get(pk=draft.pk).status == ReturnStatus.CHANGES_REQUESTED

    page = detail(supplier, draft)
    assert "Changes requested" in page and "NT1 looks low: include the supply chain." in page
    assert "Change the figures" in page
    ret = Return.objects.get(pk=draft.pk)
    post_lines(supplier, ret, [("NT1", "3", "Two apprentices and a supervisor"), ("NT14", "", ""), ("NT17", "40", "")])
    ret.refresh_from_db()
    supplier.post(reverse("commitments:return-submit", args=[ret.pk]), {"revision": ret.revision, "attested": "on"})
    commissioner.post(review, {"decision": "approve", "comment": "Thank you"})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED and ret.reviewed_by == reviewer and lines_of(ret)["NT1"] == 3


def test_flags_are_shown_to_the_reviewer_not_the_reporter(contract, reporter, reviewer, measures):
    ret = SubmittedReturnFactory(contract=contract)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT17"], quantity=900,
                              flag="More than the whole commitment on the contract (400 hours)")
    assert "More than the whole commitment" in detail(as_user(reviewer), ret)
    assert "1 figure is unusual" in detail(as_user(reviewer), ret)
    assert "More than the whole commitment" not in detail(as_user(reporter), ret)


def test_social_value_shows_its_proxy_source_or_says_there_is_none(contract, reporter, measures):
    ret = DraftReturnFactory(contract=contract)
    ProxyValue.objects.create(measure=measures["NT1"], financial_year=2025, value=Decimal("28840"), source="TOMs 2025")
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT1"], quantity=2)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT17"], quantity=40)
    page = detail(as_user(reporter), ret)
    assert "£57,680.00" in page and "TOMs 2025" in page and "proxy estimate" in page
    assert "No proxy value" in page and "£0" not in page


# --- who may do what, by status -----------------------------------------------------------

ACTIONS = {
    # action: (who, how to post)
    "save": ("reporter", lambda c, r: post_lines(c, r, [("NT1", "9", "")])),
    "submit": ("reporter", lambda c, r: c.post(reverse("commitments:return-submit", args=[r.pk]),
                                               {"revision": r.revision, "attested": "on"})),
    "approve": ("reviewer", lambda c, r: c.post(reverse("commitments:return-review", args=[r.pk]), {"decision": "approve"})),
    "request_changes": ("reviewer", lambda c, r: c.post(reverse("commitments:return-review", args=[r.pk]),
                                                        {"decision": "changes", "comment": "Please fix"})),
    "amend": ("reporter", lambda c, r: c.post(reverse("commitments:return-amend", args=[r.pk]))),
    "case_study": ("reporter", lambda c, r: c.post(reverse("commitments:case-study-add", args=[r.pk]),
                                                   {"title": "A story", "story": "It happened."})),
}
ALLOWED = {
    "draft": {"save", "submit", "case_study"},
    "submitted": {"approve", "request_changes"},
    "changes_requested": {"save", "submit", "case_study"},
    "approved": {"amend"},
    "superseded": set(),
}


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_is_offered_and_accepted_only_in_its_states(
    contract, reporter, reviewer, measures, status, action
):
    ret = DraftReturnFactory(contract=contract, status=status)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT1"], quantity=1)
    who, call = ACTIONS[action]
    client = as_user(reporter if who == "reporter" else reviewer)
    if who == "reviewer" and status == "draft":  # the supplier's draft: not the commissioner's to see
        assert client.get(reverse("commitments:return-detail", args=[ret.pk])).status_code == 404
        assert call(client, ret).status_code == 404
        assert Return.objects.get(pk=ret.pk).status == status
        return
    page = detail(client, ret)
    buttons = {
        "save": "Change the figures",
        "submit": "Submit for review",
        "approve": 'value="approve"',
        "request_changes": 'value="changes"',
        "amend": "Correct this return",
        "case_study": "Add a case study",
    }
    allowed = action in ALLOWED[status]
    assert (buttons[action] in page) == allowed, f"{action} button when {status}"
    response = call(client, ret)
    assert response.status_code in (302, 303, 400, 403)
    after = Return.objects.get(pk=ret.pk)
    if allowed:
        assert after.status != status or action in ("save", "case_study") or Return.objects.count() == 2
    else:
        assert after.status == status and lines_of(ret) == {"NT1": Decimal(1)} and Return.objects.count() == 1
        assert not ret.case_studies.exists()


@pytest.mark.parametrize(
    ("who", "action"),
    [("reviewer", "save"), ("reviewer", "submit"), ("reviewer", "amend"), ("reviewer", "case_study"),
     ("reporter", "approve"), ("reporter", "request_changes"), ("viewer", "save"), ("viewer", "submit")],
)
def test_people_who_can_see_but_not_act_get_403(contract, reporter, reviewer, viewer, measures, who, action):
    # a commissioner sees a return once submitted: one sent back for changes is editable and visible
    editable = "changes_requested" if who == "reviewer" else "draft"
    status = "submitted" if action in ("approve", "request_changes") else "approved" if action == "amend" else editable
    ret = DraftReturnFactory(contract=contract, status=status)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT1"], quantity=1)
    client = as_user({"reporter": reporter, "reviewer": reviewer, "viewer": viewer}[who])
    assert client.get(reverse("commitments:return-detail", args=[ret.pk])).status_code == 200
    assert ACTIONS[action][1](client, ret).status_code == 403
    assert Return.objects.get(pk=ret.pk).status == status and Return.objects.count() == 1


def test_actions_need_post(draft, reporter):
    client = as_user(reporter)
    for name in ("return-submit", "return-review", "return-amend"):
        assert client.get(reverse(f"commitments:{name}", args=[draft.pk])).status_code == 405


# --- approved returns are immutable; corrections are amendments ----------------------------


def test_an_approved_return_has_no_edit_controls_and_refuses_changes(contract, reporter, measures):
    ret = ApprovedReturnFactory(contract=contract)
    ReturnLine.objects.create(return_obj=ret, measure=measures["NT1"], quantity=1)
    client = as_user(reporter)
    page = detail(client, ret)
    for control in ("Change the figures", "Submit for review", "Add an evidence file", "Add a case study", "Remove"):
        assert control not in page
    assert "Approved returns cannot be changed" in page and "Correct this return" in page
    response = client.get(edit_url(ret))
    assert response.status_code == 302 and response.url == reverse("commitments:return-detail", args=[ret.pk])
    post_lines(client, ret, [("NT1", "7", "")])
    assert lines_of(ret) == {"NT1": Decimal(1)}


def test_correcting_an_approved_return(contract, reporter, reviewer, measures):
    original = ApprovedReturnFactory(contract=contract)
    ReturnLine.objects.create(return_obj=original, measure=measures["NT1"], quantity=2, narrative="Two hires")
    supplier, commissioner = as_user(reporter), as_user(reviewer)
    response = supplier.post(reverse("commitments:return-amend", args=[original.pk]))
    amendment = Return.objects.get(amendment_of=original)
    assert response.url == edit_url(amendment)
    assert amendment.status == ReturnStatus.DRAFT and lines_of(amendment) == {"NT1": Decimal(2)}
    assert "correction of this return" in detail(supplier, original)
    assert "Correct this return" not in detail(supplier, original)  # one correction at a time

    post_lines(supplier, amendment, [("NT1", "2.5", "Two hires and a part-time one")])
    amendment.refresh_from_db()
    supplier.post(reverse("commitments:return-submit", args=[amendment.pk]), {"revision": amendment.revision, "attested": "on"})
    assert Return.objects.get(pk=original.pk).status == ReturnStatus.APPROVED  # still counts
    commissioner.post(reverse("commitments:return-review", args=[amendment.pk]), {"decision": "approve"})
    assert Return.objects.get(pk=original.pk).status == ReturnStatus.SUPERSEDED
    assert "replaced by an approved" in detail(supplier, original)
    assert lines_of(original) == {"NT1": Decimal(2)}


# --- history ------------------------------------------------------------------------------


def test_the_history_lists_every_change_with_who_and_when(draft, reporter, reviewer):
    client = as_user(reporter)
    post_lines(client, draft, [("NT1", "2", "first"), ("NT17", "40", "")])
    draft.refresh_from_db()
    post_lines(client, draft, [("NT1", "3", "first"), ("NT17", "", "")])
    draft.refresh_from_db()
    client.post(reverse("commitments:return-submit", args=[draft.pk]), {"revision": draft.revision, "attested": "on"})
    as_user(reviewer).post(reverse("commitments:return-review", args=[draft.pk]), {"decision": "changes", "comment": "More"})
    page = as_user(reviewer).get(reverse("commitments:return-history", args=[draft.pk])).text
    for text in ("Started the return", "Added NT1: 2 FTE", "NT1: 2 FTE → 3 FTE", "Removed NT17 (was 40 hours)",
                 "Status: Draft → Submitted for review", "Status: Submitted for review → Changes requested",
                 "Kieran Reporter", "“More”"):
        assert text in page, text


# --- the lists, starting, scoping ---------------------------------------------------------


def test_the_due_list_offers_to_start_and_start_opens_the_form(contract, reporter):
    client = as_user(reporter)
    page = client.get(reverse("commitments:return-list")).text
    assert "Due and overdue" in page and "LCC-0042" in page and "Overdue" in page
    response = client.post(reverse("commitments:return-start"), {"subject": f"c{contract.pk}", "quarter": "2025-1"})
    ret = Return.objects.get()
    assert response.url == edit_url(ret) and ret.contract == contract and ret.period == Quarter(2025, 1)
    assert client.post(reverse("commitments:return-start"), {"subject": f"c{contract.pk}", "quarter": "2025-1"}).url == edit_url(ret)


def test_start_refuses_a_quarter_the_contract_was_not_live_in(reporter, contract):
    contract.start_date = contract.start_date.replace(year=2025)
    contract.save()
    response = as_user(reporter).post(reverse("commitments:return-start"), {"subject": f"c{contract.pk}", "quarter": "2024-4"})
    assert response.status_code == 400 and "not live in 2024/25 Q4" in response.text


def test_the_review_list_shows_what_waits_for_the_commissioner(contract, reviewer, stranger):
    SubmittedReturnFactory(contract=contract)
    page = as_user(reviewer).get(reverse("commitments:review-list")).text
    assert contract.supplier.name in page and "Waiting for your decision" in page
    assert contract.supplier.name not in as_user(stranger).get(reverse("commitments:review-list")).text


def test_a_reporter_of_another_organisation_gets_404_everywhere(draft, stranger, reporter):
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    client = as_user(stranger)
    for name in ("return-detail", "return-edit", "return-history", "evidence-add", "case-study-add"):
        assert client.get(reverse(f"commitments:{name}", args=[draft.pk])).status_code == 404, name
    for name in ("return-submit", "return-review", "return-amend", "return-edit"):
        assert client.post(reverse(f"commitments:{name}", args=[draft.pk]), {"attested": "on"}).status_code == 404, name
    assert "LCC-0042" not in client.get(reverse("commitments:return-list")).text
    assert Return.objects.get(pk=draft.pk).status == ReturnStatus.DRAFT


def test_anonymous_people_are_sent_to_sign_in(draft):
    response = Client().get(reverse("commitments:return-detail", args=[draft.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def _make_returns(contract, measures, n):
    for i in range(n):
        ret = ApprovedReturnFactory(contract=contract, year=2018 + i // 4, quarter=i % 4 + 1)
        ReturnLine.objects.create(return_obj=ret, measure=measures["NT1"], quantity=1)


@pytest.mark.parametrize("n", [2, 20])
def test_the_returns_list_takes_a_fixed_number_of_queries(contract, reporter, measures, n,
                                                          django_assert_max_num_queries):
    _make_returns(contract, measures, n)
    other = ContractFactory(supplier=contract.supplier, commissioner=OrganisationFactory(public=True))
    DraftReturnFactory(contract=other)
    client = as_user(reporter)
    # The page's line counts are one query after pagination, the navigation counts the returns
    # waiting for the person's review in one more, and the due returns are a count, two page
    # queries per quarter shown (the ids, then their rows; four quarters at most) and the returns
    # in progress.
    with django_assert_max_num_queries(19):
        response = client.get(reverse("commitments:return-list"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_the_review_list_takes_a_fixed_number_of_queries(contract, reviewer, measures, n,
                                                         django_assert_max_num_queries):
    _make_returns(contract, measures, n)
    SubmittedReturnFactory(contract=contract)
    client = as_user(reviewer)
    with django_assert_max_num_queries(12):  # as above: line counts per page, the navigation's count
        assert client.get(reverse("commitments:review-list")).status_code == 200


def test_the_returns_page_links_to_the_bulk_upload(client, framework):
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(role="reporter").user)
    assert reverse("commitments:bulk-upload") in client.get(reverse("commitments:return-list")).text
