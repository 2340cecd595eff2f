"""The audit log: sign-ins, failed sign-ins, approvals, withdrawals, role changes and admin changes,
each with who, what, from where; written in the change's own transaction; read by ICB admins
only, filtered and downloaded as CSV; never holding a password."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from charter import audit
from charter import people_services as ps
from charter import services as charter_services
from charter.models import AuditEvent, AuditKind, Membership, Role, User
from commitments.models import Return, ReturnStatus
from commitments.services import returns as rs
from tests.factories import ContractFactory, LiveSignatureFactory, MembershipFactory, OrganisationFactory, UserFactory
from toms.periods import Quarter

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
AUDIT = "/icb/audit/"
AUDIT_CSV = "/icb/audit/export.csv"
TOKEN_URL = "/api/v1/token/"


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind).order_by("pk"))


def row_text(event):
    return " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.fields)


@pytest.fixture
def icb_admin():
    return UserFactory(email="icb.admin@example.nhs.uk", system_role="icb_admin")


# --- who may read it (outsiders first) ----------------------------------------------------------


@pytest.mark.parametrize("url", [AUDIT, AUDIT_CSV])
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [AUDIT, AUDIT_CSV])
@pytest.mark.parametrize("who", ["reporter", "org_admin", "icb_analyst"])
def test_everyone_but_icb_admins_is_refused(client, url, who):
    if who == "icb_analyst":
        user = UserFactory(system_role="icb_analyst")
    else:
        user = MembershipFactory(role=Role.ADMIN if who == "org_admin" else Role.REPORTER).user
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_icb_admins_read_it_and_find_it_in_the_navigation(client, icb_admin):
    client.force_login(icb_admin)
    response = client.get(AUDIT)
    assert response.status_code == 200
    assert "Audit log" in [item["label"] for item in response.context["service_navigation"]]
    assert AUDIT in client.get(reverse("home")).text


def test_the_navigation_does_not_offer_it_to_analysts(client):
    client.force_login(UserFactory(system_role="icb_analyst"))
    nav = client.get(reverse("home")).context["service_navigation"]
    assert "Audit log" not in [item["label"] for item in nav]


# --- signing in --------------------------------------------------------------------------------


def test_a_sign_in_is_recorded_with_who_and_from_where(client):
    user = UserFactory(email="jo@example.org")
    client.post(reverse("login"), {"username": "Jo@Example.org", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    [event] = events(AuditKind.SIGN_IN)
    assert event.actor == user and event.actor_email == "jo@example.org"
    assert event.ip_address == "203.0.113.9" and event.target == "Sign-in page"


def test_the_address_is_read_from_the_proxy_header_only_when_trusted(client, settings):
    UserFactory(email="jo@example.org")
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(reverse("login"), {"username": "jo@example.org", "password": PASSWORD},
                REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert events(AuditKind.SIGN_IN)[0].ip_address == "203.0.113.7"


def test_a_failed_sign_in_keeps_the_address_tried_and_never_the_password(client):
    UserFactory(email="jo@example.org")
    response = client.post(reverse("login"), {"username": " JO@Example.ORG ", "password": "Secret-guess-42"})
    assert response.status_code == 200  # the form again, with its error
    [event] = events(AuditKind.SIGN_IN_FAILED)
    assert event.actor is None and event.actor_email == "jo@example.org"
    assert event.ip_address == "127.0.0.1" and event.detail == "Wrong e-mail address or password"
    assert "Secret-guess-42" not in row_text(event) and "*****" not in row_text(event)


def test_an_address_with_no_account_is_recorded_too(client):
    client.post(reverse("login"), {"username": "nobody@example.org", "password": "x"})
    assert events(AuditKind.SIGN_IN_FAILED)[0].actor_email == "nobody@example.org"


def test_failures_are_recorded_and_the_lock_out_still_works(client, settings):
    UserFactory(email="jo@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "jo@example.org", "password": "guess"})
    response = client.post(reverse("login"), {"username": "jo@example.org", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    failed = events(AuditKind.SIGN_IN_FAILED)
    assert len(failed) == settings.AXES_FAILURE_LIMIT + 1  # the right password, refused while locked out
    assert failed[-1].detail == "Locked out after repeated failures"
    assert not events(AuditKind.SIGN_IN)
    assert not [e for e in failed if PASSWORD in row_text(e) or "guess" in row_text(e)]


def test_the_api_token_endpoint_records_failures_and_sign_ins_but_never_the_token(client):
    UserFactory(email="jo@example.org")
    client.post(TOKEN_URL, {"email": "JO@example.org", "password": "wrong"}, content_type="application/json")
    [failed] = events(AuditKind.SIGN_IN_FAILED)
    assert failed.actor_email == "jo@example.org" and failed.target == "API token endpoint"
    response = client.post(TOKEN_URL, {"email": "jo@example.org", "password": PASSWORD}, content_type="application/json")
    key = response.json()["token"]
    [signed_in] = events(AuditKind.SIGN_IN)
    assert signed_in.target == "API token endpoint" and signed_in.actor_email == "jo@example.org"
    [made] = events(AuditKind.API_TOKEN_CREATED)
    assert made.target == "jo@example.org"
    assert not [e for e in AuditEvent.objects.all() if key in row_text(e) or PASSWORD in row_text(e)]


def test_signing_out_and_changing_the_password_are_recorded(client):
    user = UserFactory(email="jo@example.org")
    client.force_login(user)
    AuditEvent.objects.all().delete()  # the factory sets the password after making the account
    client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "A-new-long-passphrase-2026", "new_password2": "A-new-long-passphrase-2026",
    })
    [changed] = events(AuditKind.PASSWORD_CHANGED)
    assert changed.actor == user and changed.target == "jo@example.org"
    assert "A-new-long-passphrase-2026" not in row_text(changed)
    client.post(reverse("logout"))
    assert events(AuditKind.SIGN_OUT)[0].actor == user


# --- reviews ----------------------------------------------------------------------------------


@pytest.fixture
def submitted(framework):
    contract = ContractFactory()
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    ret = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    ret = rs.save_draft(ret, reporter, [rs.LineInput(measure="NT1", quantity="2")], revision=ret.revision)
    ret = rs.submit(ret, reporter, attested=True)
    reviewer = MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER, user__email="rev@council.example").user
    return ret, reviewer


def test_an_approval_is_recorded_with_the_reviewer_and_the_return(client, submitted):
    ret, reviewer = submitted
    client.force_login(reviewer)
    client.post(reverse("commitments:return-review", args=[ret.pk]), {"decision": "approve", "comment": "Thanks"},
                REMOTE_ADDR="192.0.2.44")
    [event] = events(AuditKind.RETURN_APPROVED)
    assert event.actor == reviewer and event.actor_email == "rev@council.example"
    assert event.organisation == ret.organisation and f"return {ret.pk}" in event.target
    assert ret.contract.reference in event.target and event.detail == "Thanks"
    assert event.ip_address == "192.0.2.44"


def test_changes_requested_are_recorded_with_the_comment(submitted):
    ret, reviewer = submitted
    rs.request_changes(ret, reviewer, "NT1 looks too high; attach the payroll extract.")
    [event] = events(AuditKind.CHANGES_REQUESTED)
    assert event.actor == reviewer and event.detail == "NT1 looks too high; attach the payroll extract."


def test_a_rolled_back_approval_leaves_no_row(submitted, monkeypatch):
    ret, reviewer = submitted

    def fail(*args, **kwargs):
        raise RuntimeError("the notification could not be queued")

    monkeypatch.setattr(rs, "_notify", fail)  # fails after the approval and its audit row are written
    with pytest.raises(RuntimeError):
        rs.approve(ret, reviewer)
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED
    assert not events(AuditKind.RETURN_APPROVED)


def test_an_approval_inside_a_transaction_that_is_rolled_back_leaves_no_row(submitted):
    ret, reviewer = submitted
    with pytest.raises(RuntimeError), transaction.atomic():
        rs.approve(ret, reviewer)
        assert events(AuditKind.RETURN_APPROVED)
        raise RuntimeError("something later failed")
    assert not events(AuditKind.RETURN_APPROVED)


def test_a_refused_review_is_not_recorded(submitted):
    ret, _ = submitted
    stranger = UserFactory()
    with pytest.raises(rs.ReturnError):
        rs.approve(ret, stranger)
    assert not events(AuditKind.RETURN_APPROVED)


# --- withdrawals, people and roles ---------------------------------------------------------------


def test_a_signature_withdrawal_is_recorded_with_its_reason():
    signature = LiveSignatureFactory()
    admin = MembershipFactory(organisation=signature.organisation, role=Role.ADMIN).user
    charter_services.withdraw_signature(signature, admin, "We are merging with another trust.")
    [event] = events(AuditKind.SIGNATURE_WITHDRAWN)
    assert event.actor == admin and event.organisation == signature.organisation
    assert signature.organisation.name in event.target and event.detail == "We are merging with another trust."


def test_role_changes_and_removals_are_recorded_with_who_and_why():
    organisation = OrganisationFactory(name="Mersey Cleaning Ltd")
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user
    member = MembershipFactory(organisation=organisation, role=Role.REPORTER, user__email="sam@example.org")
    AuditEvent.objects.all().delete()
    ps.change_role(member, admin, role=Role.ADMIN, reason="Covers for Jo")
    [changed] = events(AuditKind.ROLE_CHANGED)
    assert changed.actor == admin and changed.organisation == organisation
    assert changed.target == "sam@example.org at Mersey Cleaning Ltd"
    assert changed.detail == f"Role changed from Reporter to Organisation admin by {admin.email}: Covers for Jo"
    ps.remove_member(Membership.objects.get(pk=member.pk), admin, reason="Left the company")
    [removed] = events(AuditKind.MEMBER_REMOVED)
    assert removed.actor == admin and "Left the company" in removed.detail


def test_a_refused_role_change_is_not_recorded():
    membership = MembershipFactory(role=Role.ADMIN)  # the only admin
    AuditEvent.objects.all().delete()
    with pytest.raises(ps.PeopleError):
        ps.change_role(membership, membership.user, role=Role.VIEWER)
    assert not events(AuditKind.ROLE_CHANGED)


def test_invitations_and_joining_are_recorded():
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user
    invitation = ps.invite(organisation, admin, email="New.Person@Example.org", role=Role.VIEWER)
    [sent] = events(AuditKind.INVITATION_SENT)
    assert sent.actor == admin and sent.target.startswith("new.person@example.org to ")
    ps.cancel(invitation, admin)
    assert events(AuditKind.INVITATION_CANCELLED)[0].actor == admin
    joined = events(AuditKind.MEMBER_ADDED)
    assert joined and joined[-1].detail.startswith("As Organisation admin")


def test_icb_role_and_access_changes_are_recorded(client, icb_admin):
    person = UserFactory(email="analyst@example.nhs.uk")
    person.system_role = "icb_admin"
    person.save()
    [role] = [e for e in events(AuditKind.ICB_ROLE_CHANGED) if e.target == "analyst@example.nhs.uk"]
    assert role.detail == "From none to ICB admin"
    [access] = [e for e in events(AuditKind.ACCESS_CHANGED) if e.target == "analyst@example.nhs.uk"]
    assert access.detail == "Given the Django admin"
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert events(AuditKind.ACCESS_CHANGED)[-1].detail == "Account turned off"


# --- the Django admin -------------------------------------------------------------------------


def test_a_change_in_the_django_admin_is_recorded_with_the_admin(client, icb_admin):
    organisation = OrganisationFactory(name="Old Name Ltd")
    client.force_login(icb_admin)
    change = client.get(f"/admin/charter/organisation/{organisation.pk}/change/")
    data = {k: v for k, v in change.context["adminform"].form.initial.items() if v is not None}
    data.update({"name": "New Name Ltd", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    response = client.post(f"/admin/charter/organisation/{organisation.pk}/change/", data, REMOTE_ADDR="192.0.2.8")
    assert response.status_code == 302, response.context["adminform"].form.errors
    [event] = events(AuditKind.ADMIN_CHANGE)
    assert event.actor == icb_admin and event.ip_address == "192.0.2.8"
    assert event.target == "organisation: New Name Ltd" and event.detail.startswith("Changed: Changed Name")


def test_each_object_of_a_bulk_deletion_in_the_admin_is_recorded(client):
    superuser = User.objects.create_superuser("root@example.org", PASSWORD, full_name="Root")
    organisation = OrganisationFactory()
    members = [MembershipFactory(organisation=organisation, user__email=f"m{i}@example.org") for i in range(2)]
    client.force_login(superuser)
    response = client.post("/admin/charter/membership/", {
        "action": "delete_selected", "_selected_action": [m.pk for m in members], "post": "yes",
    })
    assert response.status_code == 302 and not Membership.objects.filter(organisation=organisation).exists()
    deleted = events(AuditKind.ADMIN_CHANGE)
    assert len(deleted) == 2 and {e.actor for e in deleted} == {superuser}
    assert all(e.detail.startswith("Deleted") for e in deleted)
    assert len(events(AuditKind.MEMBER_REMOVED)) == 2


def test_the_log_is_read_only_in_the_admin_and_everywhere(client, icb_admin):
    event = audit.record(AuditKind.SIGN_IN, actor=icb_admin)
    client.force_login(icb_admin)
    assert client.get("/admin/charter/auditevent/").status_code == 200
    assert client.get("/admin/charter/auditevent/add/").status_code == 403
    assert client.get(f"/admin/charter/auditevent/{event.pk}/delete/").status_code == 403
    page = client.get(f"/admin/charter/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
    event.detail = "tampered"
    with pytest.raises(ValueError, match="never changed"):
        event.save()


def test_the_actor_survives_the_deletion_of_their_account(icb_admin):
    event = audit.record(AuditKind.SIGN_IN, actor=icb_admin)
    icb_admin.delete()
    event.refresh_from_db()
    assert event.actor is None and event.actor_email == "icb.admin@example.nhs.uk"


# --- the page: filters, pages and the CSV -------------------------------------------------------


@pytest.fixture
def reader(client, icb_admin):
    """An ICB admin's client, signed in, with the log emptied after the sign-in."""
    client.force_login(icb_admin)
    AuditEvent.objects.all().delete()
    return client


@pytest.fixture
def log(reader):
    council = OrganisationFactory(name="Wirral Council")
    now = timezone.now()
    rows = [
        AuditEvent(kind=AuditKind.SIGN_IN, actor_email="jo@example.org", at=now - dt.timedelta(days=10)),
        AuditEvent(kind=AuditKind.SIGN_IN_FAILED, actor_email="eve@example.org", at=now - dt.timedelta(days=5)),
        AuditEvent(kind=AuditKind.ROLE_CHANGED, actor_email="admin@council.example", organisation=council,
                   target="jo@example.org at Wirral Council", at=now - dt.timedelta(days=1)),
        AuditEvent(kind=AuditKind.ADMIN_CHANGE, actor_email="icb.admin@example.nhs.uk",
                   target='=HYPERLINK("http://evil.example","click")', detail="+SUM(A1:A2)", at=now),
    ]
    for row in rows:
        row.save()
    return rows


def shown(client, query=""):
    response = client.get(AUDIT + query)
    assert response.status_code == 200
    return [e.kind for e in response.context["page"].object_list]


def test_the_log_is_newest_first(reader, log):
    client = reader
    assert shown(client)[:4] == ["admin_change", "role_changed", "sign_in_failed", "sign_in"]


def test_filters_by_kind_person_organisation_and_dates(reader, log):
    client = reader
    assert shown(client, "?kind=sign_in_failed") == ["sign_in_failed"]
    # The person who acted or was acted on.
    assert shown(client, "?person=jo%40example") == ["role_changed", "sign_in"]
    assert shown(client, "?organisation=wirral") == ["role_changed"]
    today = timezone.localdate()
    start, end = (today - dt.timedelta(days=6)).isoformat(), (today - dt.timedelta(days=1)).isoformat()
    assert shown(client, f"?start={start}&end={end}") == ["role_changed", "sign_in_failed"]
    day = today - dt.timedelta(days=5)
    assert shown(client, f"?start={day:%d/%m/%Y}&end={day:%d/%m/%Y}") == ["sign_in_failed"]


def test_a_date_that_cannot_be_read_is_named_and_the_other_filters_still_apply(reader, log):
    client = reader
    response = client.get(AUDIT + "?kind=sign_in&start=31/02/2026")
    assert response.status_code == 200
    assert "Enter the first day as a date" in response.text and 'href="#id_start"' in response.text
    assert [e.kind for e in response.context["page"].object_list] == ["sign_in"]
    ends_first = client.get(AUDIT + "?start=2026-03-02&end=2026-03-01")
    assert "The last day must be the same as or after the first day." in ends_first.text


def test_the_log_is_paged_by_25_keeping_the_filters(reader):
    client = reader
    for i in range(30):
        audit.record(AuditKind.SIGN_IN_FAILED, actor=None, actor_email=f"p{i}@example.org")
    response = client.get(AUDIT + "?kind=sign_in_failed")
    assert len(response.context["page"].object_list) == 25
    assert "?kind=sign_in_failed&amp;page=2" in response.text
    second = client.get(AUDIT + "?kind=sign_in_failed&page=2")
    assert len(second.context["page"].object_list) == 5


def read_csv(response):
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_holds_the_filtered_rows_with_formulas_escaped(reader, log):
    client = reader
    rows = read_csv(client.get(AUDIT_CSV + "?kind=admin_change"))
    assert rows[0] == ["When", "Event", "Who", "About", "Organisation", "Client address", "Detail"]
    assert len(rows) == 2
    assert rows[1][1] == "Change in the Django admin"
    assert rows[1][3] == """'=HYPERLINK("http://evil.example","click")""" and rows[1][6] == "'+SUM(A1:A2)"
    everything = read_csv(client.get(AUDIT_CSV))
    assert len(everything) == 1 + AuditEvent.objects.count()
    assert next(r for r in everything if r[4] == "Wirral Council")[3] == "jo@example.org at Wirral Council"


def test_the_page_links_the_csv_with_the_same_filters(reader, log):
    client = reader
    assert f'href="{AUDIT_CSV}?kind=role_changed"' in client.get(AUDIT + "?kind=role_changed").text


# --- keeping it ---------------------------------------------------------------------------------


def test_prune_audit_deletes_only_older_events(log):
    AuditEvent.objects.filter(kind=AuditKind.SIGN_IN).update(at=timezone.now() - dt.timedelta(days=400))
    out = io.StringIO()
    call_command("prune_audit", "--days", "365", stdout=out)
    assert "1 audit event(s)" in out.getvalue()
    assert not AuditEvent.objects.filter(kind=AuditKind.SIGN_IN).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.SIGN_IN_FAILED).exists()
    with pytest.raises(CommandError):
        call_command("prune_audit", "--days", "7")
