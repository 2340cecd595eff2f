"""Nobody reviews their own work: whoever submitted a return, or saved its last draft, may not
approve it or request changes on it, whatever other roles they hold (ICB admins included). The
services refuse, the API answers 403 saying why and offers no links, the page offers no buttons."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from charter.models import Role
from commitments.api.serializers import allowed_actions
from commitments.models import Return, ReturnStatus
from commitments.services import returns as rs
from tests.factories import ContractFactory, MembershipFactory, UserFactory
from toms.periods import Quarter

pytestmark = pytest.mark.django_db
L = rs.LineInput
Q1 = Quarter(2025, 1)


def api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def browser(user):
    client = Client()
    client.force_login(user)
    return client


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
def double_hat(contract):
    """A person who reports for the supplier and commissions for the commissioner."""
    membership = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER)
    MembershipFactory(user=membership.user, organisation=contract.commissioner, role=Role.COMMISSIONER)
    return membership.user


def submitted_by(user, contract, organisation=None, *, saved_by=None):
    """A return started and saved by ``saved_by`` (default ``user``), submitted by ``user``."""
    saver = saved_by or user
    ret = rs.start_return(saver, organisation or contract.supplier, Q1, contract)
    ret = rs.save_draft(ret, saver, [L("NT1", "2")], revision=ret.revision)
    return rs.submit(ret, user, attested=True)


@pytest.mark.parametrize("decide", ["approve", "request_changes"])
def test_the_submitter_cannot_review_their_own_return(contract, double_hat, decide):
    ret = submitted_by(double_hat, contract)
    assert not rs.can_review(double_hat, ret)
    with pytest.raises(rs.ReturnError, match="nobody reviews their own work"):
        getattr(rs, decide)(ret, double_hat, "Looks fine")
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED


def test_whoever_saved_the_last_draft_cannot_review_it(contract, double_hat, reporter, reviewer):
    ret = submitted_by(reporter, contract, saved_by=double_hat)
    assert Return.objects.get(pk=ret.pk).last_edited_by == double_hat
    with pytest.raises(rs.ReturnError, match="nobody reviews their own work"):
        rs.approve(ret, double_hat)
    # Someone else who reviews for the commissioner may.
    assert rs.can_review(reviewer, ret)
    assert rs.approve(ret, reviewer).status == ReturnStatus.APPROVED


def test_a_later_save_by_someone_else_hands_the_review_back(contract, double_hat, reporter):
    ret = rs.start_return(double_hat, contract.supplier, Q1, contract)
    ret = rs.save_draft(ret, double_hat, [L("NT1", "2")], revision=ret.revision)
    ret = rs.save_draft(ret, reporter, [L("NT1", "3")], revision=ret.revision)
    ret = rs.submit(ret, reporter, attested=True)
    assert rs.can_review(double_hat, ret)


def test_the_draft_batch_records_who_saved(contract, double_hat, reporter):
    """The spreadsheet upload's path: DraftBatch.start_many, plan and apply."""
    rs.DraftBatch(reporter, contract.supplier).start_many([(Q1, contract)])
    assert Return.objects.get().last_edited_by == reporter
    batch = rs.DraftBatch(double_hat, contract.supplier)
    found = batch.start_many([(Q1, contract)])
    locked = batch.lock(found.values())
    ret = next(iter(locked.values()))
    batch.apply([batch.plan(ret, [L("NT1", "5")], revision=ret.revision)])
    ret = Return.objects.get(pk=ret.pk)
    assert ret.last_edited_by == double_hat
    assert ret.history.first().last_edited_by_id == double_hat.pk


def test_whoever_starts_an_amendment_cannot_review_it(contract, double_hat, reporter, reviewer):
    ret = rs.approve(submitted_by(reporter, contract), reviewer)
    amendment = rs.amend(ret, double_hat)
    amendment = rs.submit(amendment, reporter, attested=True)
    with pytest.raises(rs.ReturnError, match="nobody reviews their own work"):
        rs.approve(amendment, double_hat)


def test_an_icb_admin_cannot_review_their_own_organisation_wide_return(framework, contract):
    admin = UserFactory(system_role="icb_admin", is_staff=True)
    MembershipFactory(user=admin, organisation=contract.supplier, role=Role.REPORTER)
    other_admin = UserFactory(system_role="icb_admin", is_staff=True)
    ret = submitted_by(admin, None, contract.supplier)
    assert not rs.can_review(admin, ret) and rs.can_review(other_admin, ret)
    for decide in (rs.approve, rs.request_changes):
        with pytest.raises(rs.ReturnError, match="nobody reviews their own work"):
            decide(ret, admin, "Fine")
    assert rs.approve(ret, other_admin).reviewed_by == other_admin


@pytest.mark.parametrize("action", ["approve", "request-changes"])
def test_the_api_refuses_own_work_with_403_saying_why(contract, double_hat, action):
    ret = submitted_by(double_hat, contract)
    response = api(double_hat).post(f"/api/v1/returns/{ret.pk}/{action}/", {"comment": "Fine"}, format="json")
    assert response.status_code == 403
    assert "nobody reviews their own work" in response.json()["detail"]
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED


def test_the_api_offers_no_review_links_on_own_work(contract, double_hat, reviewer):
    ret = submitted_by(double_hat, contract)
    links = api(double_hat).get(f"/api/v1/returns/{ret.pk}/").json()["links"]
    assert links["approve"] is None and links["request_changes"] is None
    assert not {"approve", "request_changes"} & allowed_actions(double_hat, ret)
    links = api(reviewer).get(f"/api/v1/returns/{ret.pk}/").json()["links"]
    assert links["approve"] and links["request_changes"]


def test_the_page_offers_no_decision_on_own_work_and_refuses_a_post(contract, double_hat, reviewer):
    ret = submitted_by(double_hat, contract)
    page = browser(double_hat).get(reverse("commitments:return-detail", args=[ret.pk])).text
    assert 'value="approve"' not in page and 'value="changes"' not in page
    assert "nobody reviews their own work" in page
    review = reverse("commitments:return-review", args=[ret.pk])
    assert browser(double_hat).post(review, {"decision": "approve", "comment": ""}).status_code == 403
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED
    page = browser(reviewer).get(reverse("commitments:return-detail", args=[ret.pk])).text
    assert 'value="approve"' in page and 'value="changes"' in page


def test_the_review_list_does_not_offer_own_work(contract, double_hat, reviewer):
    submitted_by(double_hat, contract)
    waiting = browser(double_hat).get(reverse("commitments:review-list")).context["waiting"]
    assert waiting == []
    assert len(browser(reviewer).get(reverse("commitments:review-list")).context["waiting"]) == 1
