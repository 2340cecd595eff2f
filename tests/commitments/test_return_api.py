"""The returns API (/api/v1/returns/) and the token endpoint: every endpoint and action, token and
session authentication, the services' validation messages, optimistic locking (409), scoping
(404 for what a person may not see) and the OpenAPI schema."""

import os
import re
import subprocess
import sys
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
from toms.models import Measure
from toms.periods import Quarter

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
RETURNS = "/api/v1/returns/"


def api(user=None):
    """An API client that authenticates with the person's token."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def url(ret, action=None):
    pk = ret if isinstance(ret, int) else ret.pk
    return f"{RETURNS}{pk}/" + (f"{action}/" if action else "")


def lines_of(ret):
    return {line.measure.code: line.quantity for line in ReturnLine.objects.filter(return_obj=ret)}


@pytest.fixture
def contract(framework):
    return ContractFactory()


@pytest.fixture
def reporter(contract):
    return MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user


@pytest.fixture
def reviewer(contract):
    return MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user


@pytest.fixture
def draft(contract, reporter):
    return rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)


def start_body(contract, quarter="2025/26 Q1"):
    return {"organisation": contract.supplier_id, "contract": contract.pk, "quarter": quarter}


# --- tokens and authentication --------------------------------------------------------------


def test_a_token_is_obtained_with_email_and_password_and_authenticates(reporter, draft):
    client = APIClient()
    response = client.post("/api/v1/token/", {"email": reporter.email.upper(), "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=reporter).key
    again = client.post("/api/v1/token/", {"email": reporter.email, "password": PASSWORD}, format="json")
    assert again.json()["token"] == token  # one token per person
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get(RETURNS).json()
    assert [r["id"] for r in listed["results"]] == [draft.pk]


def test_a_wrong_password_or_missing_field_is_refused(reporter):
    client = APIClient()
    wrong = client.post("/api/v1/token/", {"email": reporter.email, "password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["detail"] == "The e-mail address or password is not right."
    missing = client.post("/api/v1/token/", {"email": reporter.email}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"] == [
        {"line": None, "measure": None, "field": "password", "message": "This field is required."}
    ]
    assert not Token.objects.exists()


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(reporter, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/token/", {"email": reporter.email, "password": "guess"}, format="json")
    locked = client.post("/api/v1/token/", {"email": reporter.email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.json()["detail"]
    assert not Token.objects.exists()


def test_anonymous_requests_and_bad_tokens_get_401(draft):
    response = APIClient().get(RETURNS)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get(url(draft)).status_code == 401
    assert APIClient().post(RETURNS, {}, format="json").status_code == 401


def test_session_authentication_works_and_needs_the_csrf_token_to_change(reporter, draft):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reporter)
    assert client.get(url(draft)).json()["id"] == draft.pk
    body = {"revision": 1, "lines": [{"measure": "NT1", "quantity": "2"}]}
    refused = client.put(url(draft), body, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    saved = client.put(url(draft), body, format="json", HTTP_X_CSRFTOKEN=secret)
    assert saved.status_code == 200 and saved.json()["revision"] == 2


# --- the journey ----------------------------------------------------------------------------


def test_start_fill_submit_review_and_amend_through_the_api(contract, reporter, reviewer):
    me, them = api(reporter), api(reviewer)
    created = me.post(RETURNS, start_body(contract), format="json")
    assert created.status_code == 201
    ret = created.json()
    assert created["Location"].endswith(url(ret["id"]))
    assert ret["organisation"]["id"] == contract.supplier_id and ret["contract"]["id"] == contract.pk
    assert ret["contract"]["commissioner"]["id"] == contract.commissioner_id
    assert (ret["quarter"], ret["year"], ret["quarter_number"]) == ("2025/26 Q1", 2025, 1)
    assert (ret["status"], ret["revision"], ret["lines"]) == ("draft", 1, [])
    assert ret["links"]["submit"].endswith(url(ret["id"], "submit")) and ret["links"]["approve"] is None
    assert ret["links"]["web"].endswith(f"/returns/{ret['id']}/")

    again = me.post(RETURNS, start_body(contract), format="json")
    assert again.status_code == 200 and again.json()["id"] == ret["id"]  # the open return, not a second one

    body = {
        "revision": 1,
        "lines": [
            {"measure": "nt1", "quantity": 2.5, "narrative": "Two and a half local FTE"},
            {"measure": "NT17", "quantity": "1,250", "narrative": "Beach clean"},
            {"measure": "NT83", "quantity": True},
        ],
    }
    saved = me.put(url(ret["id"]), body, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["revision"] == 2
    # Each line has its id (for its VCFSE recipients, /api/v1/return-line-recipients/{id}/) and recipients.
    assert all(isinstance(line.pop("id"), int) and line.pop("recipients") == [] for line in saved.json()["lines"])
    assert saved.json()["lines"] == [
        {"measure": "NT1", "measure_title": Measure.objects.get(code="NT1").title, "unit": "FTE",
         "value_kind": "number", "quantity": "2.5", "narrative": "Two and a half local FTE", "flag": ""},
        {"measure": "NT17", "measure_title": Measure.objects.get(code="NT17").title, "unit": "hours",
         "value_kind": "number", "quantity": "1250", "narrative": "Beach clean", "flag": ""},
        {"measure": "NT83", "measure_title": Measure.objects.get(code="NT83").title, "unit": "yes/no",
         "value_kind": "yes_no", "quantity": "1", "narrative": "", "flag": ""},
    ]

    submitted = me.post(url(ret["id"], "submit"), {"attested": True, "revision": 2}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by"] == reporter.full_name and submitted.json()["submitted_at"]
    assert submitted.json()["links"]["submit"] is None

    seen_by_reviewer = them.get(url(ret["id"])).json()
    assert seen_by_reviewer["links"]["approve"] and seen_by_reviewer["links"]["request_changes"]
    blank = them.post(url(ret["id"], "request-changes"), {}, format="json")
    assert blank.status_code == 400
    assert blank.json()["detail"] == "Say what needs to change, so that the reporter can put it right."
    sent_back = them.post(url(ret["id"], "request-changes"), {"comment": "NT1 looks low."}, format="json")
    assert sent_back.status_code == 200
    assert (sent_back.json()["status"], sent_back.json()["review_comment"]) == ("changes_requested", "NT1 looks low.")
    assert sent_back.json()["reviewed_by"] == reviewer.full_name

    revision = me.get(url(ret["id"])).json()["revision"]
    body = {"revision": revision, "lines": [{"measure": "NT1", "quantity": "3"}]}
    assert me.patch(url(ret["id"]), body, format="json").status_code == 200
    assert me.post(url(ret["id"], "submit"), {"attested": True}, format="json").status_code == 200
    approved = them.post(url(ret["id"], "approve"), {"comment": "Thank you"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["links"]["amend"] is None  # the reviewer does not amend
    assert me.get(url(ret["id"])).json()["links"]["amend"]

    amendment = me.post(url(ret["id"], "amend"))
    assert amendment.status_code == 201
    amended = amendment.json()
    assert amended["id"] != ret["id"] and amended["amendment_of"] == ret["id"] and amended["status"] == "draft"
    assert [(line["measure"], line["quantity"]) for line in amended["lines"]] == [("NT1", "3")]
    assert me.post(url(ret["id"], "amend")).json()["id"] == amended["id"]
    assert me.post(url(ret["id"], "amend")).status_code == 200


def test_an_organisation_wide_return_is_reviewed_by_an_icb_admin(framework, icb_admin, icb_analyst):
    member = MembershipFactory(role=Role.REPORTER)
    me = api(member.user)
    created = me.post(RETURNS, {"organisation": member.organisation_id, "quarter": "2025/26 Q2"}, format="json")
    assert created.status_code == 201 and created.json()["contract"] is None
    pk = created.json()["id"]
    me.put(url(pk), {"revision": 1, "lines": [{"measure": "NT17", "quantity": 12}]}, format="json")
    me.post(url(pk, "submit"), {"attested": True}, format="json")
    refused = api(icb_analyst).post(url(pk, "approve"), {}, format="json")
    assert refused.status_code == 403  # the analyst can see it, but only an ICB admin reviews
    assert api(icb_admin).post(url(pk, "approve"), {}, format="json").json()["status"] == "approved"


# --- validation: the services' messages, naming line and measure ---------------------------


def test_invalid_lines_answer_400_with_the_services_messages_and_save_nothing(draft, reporter):
    rs.save_draft(draft, reporter, [rs.LineInput("NT1", "2")], revision=1)
    sent = [
        {"measure": "NT1", "quantity": "3"},
        {"measure": "NT2", "quantity": "150"},
        {"measure": "NT1", "quantity": "4"},
        {"measure": "XX9", "quantity": "1"},
        {"measure": "NT83", "quantity": "perhaps"},
        {"measure": "NT17", "quantity": "-5"},
        {"measure": "NT14", "quantity": "12.345"},
        {"measure": "NT15"},
    ]
    response = api(reporter).put(url(draft), {"revision": 2, "lines": sent}, format="json")
    assert response.status_code == 400
    body = response.json()
    with pytest.raises(rs.ReturnValidationError) as caught:  # the service's own verdict on the same lines
        rs.validate_lines(draft, [rs.LineInput(x["measure"], x.get("quantity", "")) for x in sent])
    assert body["errors"] == [asdict(e) for e in caught.value.errors]
    assert body["errors"][:3] == [
        {"line": 2, "measure": "NT2", "field": "quantity", "message": "A percentage must be between 0 and 100."},
        {"line": 3, "measure": "NT1", "field": "measure",
         "message": "NT1 is already on line 1; a measure may appear once in a return."},
        {"line": 4, "measure": "XX9", "field": "measure", "message": "There is no measure 'XX9' in the framework."},
    ]
    assert body["errors"][-1]["line"] == 8 and body["errors"][-1]["message"].startswith("Enter a quantity in")
    assert body["detail"].startswith("Line 2 (NT2): A percentage must be between 0 and 100.; Line 3 (NT1)")
    draft.refresh_from_db()
    assert draft.revision == 2 and lines_of(draft) == {"NT1": Decimal(2)}


def test_a_malformed_request_names_the_field_line_and_measure(draft, reporter):
    client = api(reporter)
    response = client.put(url(draft), {"lines": "NT1=2"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": None, "measure": None, "field": "revision", "message": "This field is required."},
        {"line": None, "measure": None, "field": "lines", "message": 'Expected a list of items but got type "str".'},
    ]
    response = client.put(
        url(draft),
        {"revision": 1, "lines": [{"measure": "NT1", "quantity": "1"}, {"quantity": "2"}, {"measure": "nt17", "quantity": {"n": 1}}]},
        format="json",
    )
    assert response.json()["errors"] == [
        {"line": 2, "measure": "?", "field": "measure", "message": "Give the measure code, like NT14."},
        {"line": 3, "measure": "NT17", "field": "quantity",
         "message": 'Give the quantity as a number or as text, like "40" or "1,250.50".'},
    ]
    assert "Line 2 (?): Give the measure code" in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.revision == 1 and not lines_of(draft)


def test_a_long_narrative_is_refused_with_the_services_message(draft, reporter):
    response = api(reporter).put(
        url(draft), {"revision": 1, "lines": [{"measure": "NT1", "quantity": 1, "narrative": "x" * 4001}]}, format="json"
    )
    assert response.json()["errors"] == [
        {"line": 1, "measure": "NT1", "field": "narrative", "message": "Keep the narrative to 4,000 characters."}
    ]


def test_saving_an_empty_list_removes_every_line(draft, reporter):
    rs.save_draft(draft, reporter, [rs.LineInput("NT1", "2")], revision=1)
    response = api(reporter).put(url(draft), {"revision": 2, "lines": []}, format="json")
    assert response.status_code == 200 and response.json()["lines"] == []


def test_unusual_values_are_accepted_with_a_flag(contract, reporter):
    earlier = ApprovedReturnFactory(contract=contract, year=2024, quarter=4)
    ReturnLine.objects.create(return_obj=earlier, measure=Measure.objects.get(code="NT1"), quantity=2)
    client = api(reporter)
    pk = client.post(RETURNS, start_body(contract), format="json").json()["id"]
    saved = client.put(url(pk), {"revision": 1, "lines": [{"measure": "NT1", "quantity": 10}]}, format="json")
    assert saved.status_code == 200 and "3 times" in saved.json()["lines"][0]["flag"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"quarter": "2025 Q1"}, "'2025 Q1' is not a quarter; write it like 2025/26 Q1."),
        ({"quarter": "2023/24 Q4"}, "so it is not live in 2023/24 Q4"),
        ({"quarter": "2099/00 Q1"}, "has not started yet"),
    ],
)
def test_starting_a_return_for_a_bad_quarter_is_refused(contract, reporter, body, message):
    response = api(reporter).post(RETURNS, {**start_body(contract), **body}, format="json")
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not Return.objects.exists()


def test_two_clients_starting_the_same_return_at_once_both_get_it(contract, reporter, monkeypatch):
    """The other client's insert lands between the service's check and its own insert: the
    database refuses the duplicate, and the API answers with the other client's return, not 500."""
    theirs = DraftReturnFactory(contract=contract)
    real_filter, calls = Return.objects.filter, {"n": 0}

    def first_look_misses_theirs(*args, **kwargs):
        calls["n"] += 1
        qs = real_filter(*args, **kwargs)
        return qs.none() if calls["n"] == 1 else qs

    monkeypatch.setattr(Return.objects, "filter", first_look_misses_theirs)
    response = api(reporter).post(RETURNS, start_body(contract), format="json")
    monkeypatch.undo()
    assert response.status_code == 200 and response.json()["id"] == theirs.pk
    assert Return.objects.count() == 1


def test_starting_on_a_contract_the_organisation_does_not_supply_is_refused(contract, reporter, reviewer):
    other = ContractFactory(commissioner=contract.commissioner)  # the reviewer's, another supplier
    both = MembershipFactory(organisation=contract.commissioner, role=Role.REPORTER, user=reporter)
    assert both  # the reporter can now see `other` through the commissioner organisation
    response = api(reporter).post(RETURNS, {**start_body(contract), "contract": other.pk}, format="json")
    assert response.status_code == 400 and "is not the supplier on contract" in response.json()["detail"]


# --- optimistic locking ---------------------------------------------------------------------


def test_a_stale_revision_answers_409_and_changes_nothing(draft, reporter, contract):
    colleague = MembershipFactory(organisation=contract.supplier, role=Role.ADMIN).user
    first = api(reporter).put(url(draft), {"revision": 1, "lines": [{"measure": "NT1", "quantity": "2"}]}, format="json")
    assert first.status_code == 200
    second = api(colleague).put(url(draft), {"revision": 1, "lines": [{"measure": "NT1", "quantity": "9"}]}, format="json")
    assert second.status_code == 409
    assert second.json() == {
        "detail": "Someone else saved this return after you opened it, so your changes were not saved. "
        "Check what they changed, then save yours again.",
        "revision": 2,
    }
    assert lines_of(draft) == {"NT1": Decimal(2)}
    stale_submit = api(colleague).post(url(draft, "submit"), {"attested": True, "revision": 1}, format="json")
    assert stale_submit.status_code == 409 and "check it, then submit" in stale_submit.json()["detail"]
    assert Return.objects.get(pk=draft.pk).status == ReturnStatus.DRAFT


# --- states and permissions: 400 for the state, 403 for the person --------------------------


def test_submitting_needs_attestation_and_lines(draft, reporter):
    client = api(reporter)
    empty = client.post(url(draft, "submit"), {"attested": True}, format="json")
    assert empty.status_code == 400 and empty.json() == {"detail": "Add at least one measure before submitting.", "errors": []}
    client.put(url(draft), {"revision": 1, "lines": [{"measure": "NT1", "quantity": "2"}]}, format="json")
    unattested = client.post(url(draft, "submit"), {}, format="json")
    assert unattested.status_code == 400 and unattested.json()["detail"].startswith("Confirm that the figures")
    assert client.post(url(draft, "submit"), {"attested": "maybe"}, format="json").json()["errors"][0]["field"] == "attested"


def test_actions_out_of_order_answer_400(contract, reporter, reviewer):
    submitted = SubmittedReturnFactory(contract=contract)
    approved = ApprovedReturnFactory(contract=contract, year=2024, quarter=4)
    me, them = api(reporter), api(reviewer)
    assert me.put(url(submitted), {"revision": 1, "lines": []}, format="json").json()["detail"] == (
        "This return is submitted for review and cannot be changed."
    )
    assert me.post(url(approved, "submit"), {"attested": True}, format="json").status_code == 400
    assert them.post(url(approved, "approve"), {}, format="json").json()["detail"] == (
        "Only a submitted return can be approved; this one is approved."
    )
    assert me.post(url(submitted, "amend")).json()["detail"] == "Only an approved return can be amended."
    assert me.put(url(approved), {"revision": 1, "lines": []}, format="json").status_code == 400
    assert Return.objects.get(pk=approved.pk).status == ReturnStatus.APPROVED


def test_who_may_not_act_gets_403_with_the_services_message(contract, reporter, reviewer, draft, icb_analyst):
    viewer = MembershipFactory(organisation=contract.supplier, role=Role.VIEWER).user
    # a viewer can see the return, but not change it
    assert api(viewer).get(url(draft)).status_code == 200
    refused = api(viewer).put(url(draft), {"revision": 1, "lines": []}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": f"Only {contract.supplier.name}'s admins and reporters can make or change its returns."
    }
    assert api(viewer).post(RETURNS, start_body(contract), format="json").status_code == 403
    # a supplier's draft is not the commissioner's to see; sent back for changes, they see it but
    # neither fill it in nor submit it
    assert api(reviewer).put(url(draft), {"revision": 1, "lines": []}, format="json").status_code == 404
    Return.objects.filter(pk=draft.pk).update(status=ReturnStatus.CHANGES_REQUESTED)
    assert api(reviewer).put(url(draft), {"revision": 1, "lines": []}, format="json").status_code == 403
    assert api(reviewer).post(url(draft, "submit"), {"attested": True}, format="json").status_code == 403
    Return.objects.filter(pk=draft.pk).update(status=ReturnStatus.DRAFT)
    # a reporter does not review their own return; nor does an ICB analyst
    rs.save_draft(draft, reporter, [rs.LineInput("NT1", "1")], revision=1)
    rs.submit(draft, reporter, attested=True)
    for person in (reporter, icb_analyst):
        response = api(person).post(url(draft, "approve"), {}, format="json")
        assert response.status_code == 403 and "commissioner" in response.json()["detail"]
        assert api(person).post(url(draft, "request-changes"), {"comment": "x"}, format="json").status_code == 403
    assert api(reviewer).post(url(draft, "amend")).status_code == 403  # only its reporters amend
    assert Return.objects.get(pk=draft.pk).status == ReturnStatus.SUBMITTED


# --- scoping: what you may not see is 404, whatever the method ------------------------------


def test_a_reporter_cannot_see_or_change_another_organisations_returns(draft, reporter, contract):
    theirs = SubmittedReturnFactory()  # another supplier, another commissioner
    ReturnLine.objects.create(return_obj=theirs, measure=Measure.objects.get(code="NT1"), quantity=7)
    before = Return.objects.filter(pk=theirs.pk).values().get()
    me = api(reporter)
    assert [r["id"] for r in me.get(RETURNS).json()["results"]] == [draft.pk]
    assert me.get(url(theirs)).status_code == 404
    assert me.put(url(theirs), {"revision": 1, "lines": []}, format="json").status_code == 404
    assert me.patch(url(theirs), {"revision": 1, "lines": []}, format="json").status_code == 404
    for action in ("submit", "approve", "request-changes", "amend"):
        assert me.post(url(theirs, action), {"attested": True, "comment": "x"}, format="json").status_code == 404
    assert me.get(RETURNS, {"organisation": theirs.organisation_id}).json()["results"] == []
    assert Return.objects.filter(pk=theirs.pk).values().get() == before
    assert lines_of(theirs) == {"NT1": Decimal(7)}


def test_a_reporter_cannot_start_a_return_for_another_organisation_or_its_contract(contract, reporter):
    other = ContractFactory()
    me = api(reporter)
    response = me.post(RETURNS, {"organisation": other.supplier_id, "quarter": "2025/26 Q1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": None, "measure": None, "field": "organisation",
         "message": f"There is no organisation {other.supplier_id} among yours."}
    ]
    response = me.post(RETURNS, {**start_body(contract), "contract": other.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"There is no contract {other.pk} among those you can see."
    assert not Return.objects.exists()


def test_commissioners_review_only_their_own_contracts_returns(contract, reviewer):
    mine = SubmittedReturnFactory(contract=contract)
    theirs = SubmittedReturnFactory()  # on another commissioner's contract
    other_commissioner = MembershipFactory(organisation=theirs.contract.commissioner, role=Role.COMMISSIONER).user
    them = api(reviewer)
    assert [r["id"] for r in them.get(RETURNS).json()["results"]] == [mine.pk]
    assert them.post(url(theirs, "approve"), {}, format="json").status_code == 404
    assert them.post(url(theirs, "request-changes"), {"comment": "no"}, format="json").status_code == 404
    assert Return.objects.get(pk=theirs.pk).status == ReturnStatus.SUBMITTED
    assert api(other_commissioner).post(url(mine, "approve"), {}, format="json").status_code == 404
    assert them.post(url(mine, "approve"), {}, format="json").json()["status"] == "approved"


def test_the_icb_reads_every_return(draft, icb_analyst):
    other = DraftReturnFactory()
    ids = {r["id"] for r in api(icb_analyst).get(RETURNS).json()["results"]}
    assert ids == {draft.pk, other.pk}


# --- listing --------------------------------------------------------------------------------


def test_list_filters(contract, reporter, framework):
    draft = DraftReturnFactory(contract=contract)
    submitted = SubmittedReturnFactory(contract=contract, year=2025, quarter=2)
    approved = ApprovedReturnFactory(contract=contract, year=2024, quarter=4)
    second = ContractFactory(supplier=contract.supplier)
    on_second = DraftReturnFactory(contract=second, year=2025, quarter=2)
    own = DraftReturnFactory(contract=None, organisation=contract.supplier, year=2025, quarter=2)
    elsewhere = MembershipFactory(user=reporter, role=Role.REPORTER).organisation
    theirs = DraftReturnFactory(contract=None, organisation=elsewhere)
    me = api(reporter)

    def ids(**params):
        response = me.get(RETURNS, params)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert set(ids()) == {draft.pk, submitted.pk, approved.pk, on_second.pk, own.pk, theirs.pk}
    assert ids(status="approved") == [approved.pk]
    assert set(ids(year="2024/25")) == set(ids(year=2024)) == {approved.pk}
    assert set(ids(quarter="2025/26 Q2")) == {submitted.pk, on_second.pk, own.pk}
    assert set(ids(quarter="Q4")) == set(ids(quarter=4)) == {approved.pk}
    assert set(ids(year=2025, quarter=1)) == {draft.pk, theirs.pk}
    assert set(ids(contract=second.pk)) == {on_second.pk}
    assert set(ids(organisation=elsewhere.pk)) == {theirs.pk}
    assert set(ids(organisation_wide="true")) == {own.pk, theirs.pk}
    assert ids()[0] in {submitted.pk, on_second.pk, own.pk}  # the newest quarter first
    bad = me.get(RETURNS, {"year": "next year", "quarter": "Q5"})
    assert bad.status_code == 400


def test_listing_costs_a_fixed_number_of_queries(contract, reporter, django_assert_max_num_queries):
    nt1 = Measure.objects.get(code="NT1")
    for quarter in (1, 2, 3, 4):
        ret = DraftReturnFactory(contract=ContractFactory(supplier=contract.supplier), quarter=quarter)
        ReturnLine.objects.create(return_obj=ret, measure=nt1, quantity=quarter)
    client = api(reporter)
    with django_assert_max_num_queries(8):
        response = client.get(RETURNS)
    assert response.json()["count"] == 4


def test_a_reporter_of_two_organisations_picks_which_one_reports(framework):
    person = MembershipFactory(role=Role.REPORTER).user
    second = OrganisationFactory()
    MembershipFactory(user=person, organisation=second, role=Role.ADMIN)
    response = api(person).post(RETURNS, {"organisation": second.pk, "quarter": "2025/26 Q1"}, format="json")
    assert response.status_code == 201 and response.json()["organisation"]["id"] == second.pk


# --- the OpenAPI schema ---------------------------------------------------------------------


def test_the_schema_documents_the_returns_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in ("/api/v1/returns/{id}/submit/", "/api/v1/returns/{id}/approve/",
                 "/api/v1/returns/{id}/request-changes/", "/api/v1/returns/{id}/amend/"):
        assert set(paths[path]["post"]["responses"]) >= {"200", "400", "401", "403", "404"}
    assert set(paths["/api/v1/returns/{id}/"]["put"]["responses"]) >= {"200", "400", "403", "404", "409"}
    assert set(paths["/api/v1/returns/{id}/"]["patch"]["responses"]) >= {"200", "400", "403", "404", "409"}
    assert {p["name"] for p in paths["/api/v1/returns/"]["get"]["parameters"]} >= {
        "status", "year", "quarter", "contract", "organisation"
    }
    assert set(paths["/api/v1/returns/"]["post"]["responses"]) >= {"200", "201", "400", "403"}
    assert "/api/v1/token/" in paths
    components = schema["components"]["schemas"]
    assert set(components["ReturnLinesRequest"]["required"]) == {"lines", "revision"}  # for PATCH too
    assert "PatchedReturnLinesRequest" not in components
    assert set(components["LineError"]["properties"]) == {"line", "measure", "field", "message"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_are_served_locally(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b"/static/drf_spectacular_sidecar/" in page.content
    assert not re.search(rb"""(src|href)=["']?(https?:)?//""", page.content)


def test_the_schema_validates_without_warnings(tmp_path):
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'schema.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "s.yaml").read_text()
    assert "/api/v1/returns/{id}/request-changes/:" in text and "/api/v1/contracts/:" in text
