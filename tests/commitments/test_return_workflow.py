"""The return workflow: drafts, submission, review, immutability, amendments, concurrency."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError

from charter.models import Role
from commitments.models import Return, ReturnLine, ReturnStatus
from commitments.services import returns as rs
from tests.factories import (
    ApprovedReturnFactory,
    ContractFactory,
    DraftReturnFactory,
    MembershipFactory,
    SubmittedReturnFactory,
)
from toms.periods import Quarter

pytestmark = pytest.mark.django_db
L = rs.LineInput


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


def lines_of(ret):
    return {line.measure.code: line.quantity for line in ret.lines.select_related("measure")}


def test_start_creates_one_open_return_and_reuses_it(contract, reporter, draft):
    again = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    assert again.pk == draft.pk and Return.objects.count() == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_only_admins_and_reporters_start_returns(contract, role):
    user = MembershipFactory(organisation=contract.supplier, role=role).user
    with pytest.raises(rs.ReturnError, match="admins and reporters"):
        rs.start_return(user, contract.supplier, Quarter(2025, 1), contract)


def test_a_return_is_refused_for_a_future_quarter_or_a_dead_contract(contract, reporter):
    future = Quarter.containing(dt.date.today()).next()
    with pytest.raises(rs.ReturnError, match="has not started yet"):
        rs.start_return(reporter, contract.supplier, future, contract)
    with pytest.raises(rs.ReturnError, match="not live in 2023/24 Q4"):
        rs.start_return(reporter, contract.supplier, Quarter(2023, 4), contract)
    assert not Return.objects.exists()


def test_only_the_supplier_reports_on_a_contract(contract):
    other = MembershipFactory(role=Role.REPORTER)
    with pytest.raises(rs.ReturnError, match="not the supplier"):
        rs.start_return(other.user, other.organisation, Quarter(2025, 1), contract)


def test_save_draft_is_all_or_nothing_and_names_each_line(draft, reporter):
    rs.save_draft(draft, reporter, [L("NT1", "2"), L("NT17", "40", "Beach clean")], revision=1)
    with pytest.raises(rs.ReturnValidationError) as caught:
        rs.save_draft(
            draft,
            reporter,
            [L("NT1", "3"), L("NT2", "150"), L("NT1", "4"), L("XX9", "1"), L("NT83", "perhaps")],
            revision=2,
        )
    messages = [str(e) for e in caught.value.errors]
    assert messages == [
        "Line 2 (NT2): A percentage must be between 0 and 100.",
        "Line 3 (NT1): NT1 is already on line 1; a measure may appear once in a return.",
        "Line 4 (XX9): There is no measure 'XX9' in the framework.",
        "Line 5 (NT83): Answer yes or no.",
    ]
    draft.refresh_from_db()
    assert lines_of(draft) == {"NT1": Decimal(2), "NT17": Decimal(40)} and draft.revision == 2


def test_saving_replaces_lines_and_keeps_history(draft, reporter):
    rs.save_draft(draft, reporter, [L("NT1", "2"), L("NT17", "40")], revision=1)
    rs.save_draft(draft, reporter, [L("NT1", "3")], revision=2)
    assert lines_of(draft) == {"NT1": Decimal(3)}
    assert ReturnLine.history.filter(history_type="-").count() == 1  # NT17's removal is recorded
    assert ReturnLine.history.filter(measure__code="NT1").count() == 2


def test_the_second_of_two_concurrent_saves_is_refused_and_loses_nothing(draft, reporter):
    colleague = MembershipFactory(organisation=draft.organisation, role=Role.ADMIN).user
    opened_revision = draft.revision
    rs.save_draft(draft, reporter, [L("NT1", "2", "first")], revision=opened_revision)
    with pytest.raises(rs.StaleReturnError, match="Someone else saved"):
        rs.save_draft(draft, colleague, [L("NT1", "9", "second")], revision=opened_revision)
    draft.refresh_from_db()
    assert lines_of(draft) == {"NT1": Decimal(2)}


def test_submit_needs_attestation_and_lines(draft, reporter, reviewer, django_capture_on_commit_callbacks):
    with pytest.raises(rs.ReturnError, match="at least one measure"):
        rs.submit(draft, reporter, attested=True)
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    with pytest.raises(rs.ReturnError, match="Confirm that the figures"):
        rs.submit(draft, reporter, attested=False)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = rs.submit(draft, reporter, attested=True)
    assert submitted.status == ReturnStatus.SUBMITTED and submitted.attested
    assert mail.outbox[-1].to == [reviewer.email]  # the commissioner is told


def test_review_round_trip(draft, reporter, reviewer, django_capture_on_commit_callbacks):
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    rs.submit(draft, reporter, attested=True)
    with pytest.raises(rs.ReturnError, match="Say what needs to change"):
        rs.request_changes(draft, reviewer, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        rs.request_changes(draft, reviewer, "NT1 looks low; include the supply chain.")
    assert mail.outbox[-1].to == [reporter.email] and "NT1 looks low" in mail.outbox[-1].body
    draft.refresh_from_db()
    rs.save_draft(draft, reporter, [L("NT1", "3")], revision=draft.revision)
    rs.submit(draft, reporter, attested=True)
    with django_capture_on_commit_callbacks(execute=True):
        approved = rs.approve(draft, reviewer, "Thank you")
    assert approved.status == ReturnStatus.APPROVED and approved.reviewed_by == reviewer
    assert "approved" in mail.outbox[-1].subject


TRANSITIONS = [
    # (factory status, action, allowed)
    ("draft", "submit", True),
    ("draft", "approve", False),
    ("draft", "request_changes", False),
    ("draft", "amend", False),
    ("draft", "save", True),
    ("submitted", "submit", False),
    ("submitted", "approve", True),
    ("submitted", "request_changes", True),
    ("submitted", "amend", False),
    ("submitted", "save", False),
    ("changes_requested", "submit", True),
    ("changes_requested", "approve", False),
    ("changes_requested", "request_changes", False),
    ("changes_requested", "save", True),
    ("approved", "submit", False),
    ("approved", "approve", False),
    ("approved", "request_changes", False),
    ("approved", "save", False),
    ("approved", "amend", True),
    ("superseded", "submit", False),
    ("superseded", "approve", False),
    ("superseded", "amend", False),
    ("superseded", "save", False),
]


@pytest.mark.parametrize(("status", "action", "allowed"), TRANSITIONS)
def test_every_transition(contract, reporter, reviewer, status, action, allowed):
    ret = DraftReturnFactory(contract=contract, status=status)
    ReturnLine.objects.create(
        return_obj=ret,
        measure_id=contract.commitments.model._meta.apps.get_model("toms", "Measure").objects.get(code="NT1").pk,
        quantity=1,
    )
    calls = {
        "submit": lambda: rs.submit(ret, reporter, attested=True),
        "approve": lambda: rs.approve(ret, reviewer),
        "request_changes": lambda: rs.request_changes(ret, reviewer, "Please fix"),
        "amend": lambda: rs.amend(ret, reporter),
        "save": lambda: rs.save_draft(ret, reporter, [L("NT1", "5")], revision=ret.revision),
    }
    before = Return.objects.get(pk=ret.pk).status
    if allowed:
        calls[action]()
    else:
        with pytest.raises(rs.ReturnError):
            calls[action]()
        assert Return.objects.get(pk=ret.pk).status == before
        assert lines_of(ret) == {"NT1": Decimal(1)}  # approved returns are immutable


def test_only_the_commissioner_reviews(contract, reporter):
    ret = SubmittedReturnFactory(contract=contract)
    outsider_commissioner = MembershipFactory(role=Role.COMMISSIONER).user
    for user in (reporter, outsider_commissioner):
        with pytest.raises(rs.ReturnError, match="commissioner"):
            rs.approve(ret, user)


def test_organisation_wide_returns_are_reviewed_by_an_icb_admin(framework, icb_admin, icb_analyst):
    member = MembershipFactory(role=Role.REPORTER)
    ret = rs.start_return(member.user, member.organisation, Quarter(2025, 1))
    rs.save_draft(ret, member.user, [L("NT17", "12")], revision=1)
    rs.submit(ret, member.user, attested=True)
    with pytest.raises(rs.ReturnError):
        rs.approve(ret, icb_analyst)
    assert rs.approve(ret, icb_admin).status == ReturnStatus.APPROVED


def test_an_amendment_is_reviewed_again_then_supersedes_the_original(contract, reporter, reviewer, draft):
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    rs.submit(draft, reporter, attested=True)
    original = rs.approve(draft, reviewer)
    amendment = rs.amend(original, reporter)
    assert amendment.pk != original.pk and amendment.status == ReturnStatus.DRAFT
    assert lines_of(amendment) == {"NT1": Decimal(2)}
    assert rs.amend(original, reporter).pk == amendment.pk  # one open amendment at a time
    rs.save_draft(amendment, reporter, [L("NT1", "2.5")], revision=amendment.revision)
    rs.submit(amendment, reporter, attested=True)
    original.refresh_from_db()
    assert original.status == ReturnStatus.APPROVED  # still counts while the amendment is reviewed
    rs.approve(amendment, reviewer)
    original.refresh_from_db()
    assert original.status == ReturnStatus.SUPERSEDED and lines_of(original) == {"NT1": Decimal(2)}
    assert list(Return.objects.current().values_list("pk", flat=True)) == [amendment.pk]


def test_the_database_allows_one_open_return_per_contract_and_quarter(contract):
    DraftReturnFactory(contract=contract)
    with pytest.raises(IntegrityError):
        DraftReturnFactory(contract=contract)


def test_flags_unusual_values_for_the_reviewer(contract, reporter, reviewer):
    from tests.factories import ApprovedReturnFactory as Approved

    earlier = Approved(contract=contract, year=2024, quarter=4)
    ReturnLine.objects.create(
        return_obj=earlier, measure=Return._meta.apps.get_model("toms", "Measure").objects.get(code="NT1"), quantity=2
    )
    ret = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    rs.save_draft(ret, reporter, [L("NT1", "10"), L("NT17", "5")], revision=ret.revision)
    flags = {line.measure.code: line.flag for line in ret.lines.select_related("measure")}
    assert "3 times" in flags["NT1"] and flags["NT17"] == ""


def test_approved_factory_state():
    assert ApprovedReturnFactory().status == "approved"


def test_starting_the_same_return_twice_at_once_gives_one_return(contract, reporter, monkeypatch):
    """Two requests both see no open return; the database constraint lets one create it and the
    other gets that same return, not an error."""
    winner = DraftReturnFactory(contract=contract)
    real_filter = Return.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        calls["n"] += 1
        return qs.none() if calls["n"] == 1 else qs  # the first look misses the other's insert

    monkeypatch.setattr(Return.objects, "filter", blind_first_lookup)
    got = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    monkeypatch.undo()
    assert got.pk == winner.pk and Return.objects.count() == 1


def test_a_blank_measure_code_is_named(draft, reporter):
    with pytest.raises(rs.ReturnValidationError) as caught:
        rs.save_draft(draft, reporter, [L("", "1")], revision=1)
    assert str(caught.value.errors[0]) == "Line 1 (?): Give the measure code, like NT14."


def test_commissioners_see_returns_once_submitted_not_drafts(contract, reporter, reviewer, draft):
    assert not Return.objects.for_user(reviewer).filter(pk=draft.pk).exists()
    assert Return.objects.for_user(reporter).filter(pk=draft.pk).exists()
    rs.save_draft(draft, reporter, [L("NT1", "2")], revision=1)
    rs.submit(draft, reporter, attested=True)
    assert Return.objects.for_user(reviewer).filter(pk=draft.pk).exists()
    rs.request_changes(draft, reviewer, "More detail please")
    assert Return.objects.for_user(reviewer).filter(pk=draft.pk).exists()  # sent back: still theirs to follow
