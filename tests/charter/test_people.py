"""Organisation admins manage their people: invitations (expiry, reuse, wrong person), roles,
removals (never the last admin), the organisation's details; ICB admins do it for any
organisation; everyone else gets 404 (outsiders) or 403 (members who may not manage)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from charter import people_services as ps
from charter.models import Invitation, InvitationStatus, Membership, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def link_in(message):
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def path_of(link):
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def viewer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.VIEWER).user


@pytest.fixture(autouse=True)
def _mail_sent_on_commit(monkeypatch):
    """Invitations are e-mailed once the transaction commits (never in a test's transaction): send at once."""
    monkeypatch.setattr(ps.transaction, "on_commit", lambda fn, *a, **k: fn())


def invite(client, organisation, email="new.person@example.org", role=Role.REPORTER):
    return client.post(reverse("charter:people-invite", args=[organisation.pk]), {"email": email, "role": role})


# --- who may reach the pages ----------------------------------------------------------------


def manage_urls(organisation, membership, invitation):
    pk = organisation.pk
    return [
        ("get", reverse("charter:people", args=[pk])),
        ("get", reverse("charter:people-invite", args=[pk])),
        ("get", reverse("charter:organisation-edit", args=[pk])),
        ("get", reverse("charter:people-role", args=[pk, membership.pk])),
        ("get", reverse("charter:people-remove", args=[pk, membership.pk])),
        ("post", reverse("charter:invitation-resend", args=[pk, invitation.pk])),
        ("post", reverse("charter:invitation-cancel", args=[pk, invitation.pk])),
    ]


@pytest.fixture
def pending(organisation, owner):
    return ps.invite(organisation, owner, email="waiting@example.org", role=Role.REPORTER)


def test_anonymous_people_are_sent_to_sign_in(client, organisation, owner, pending):
    for method, url in manage_urls(organisation, owner.memberships.get(), pending):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_outsiders_get_404(client, organisation, owner, outsider, pending):
    client.force_login(outsider)
    for method, url in manage_urls(organisation, owner.memberships.get(), pending):
        assert getattr(client, method)(url).status_code == 404, url


@pytest.mark.parametrize("who", ["viewer", "colleague", "icb_analyst"])
def test_members_and_analysts_who_may_not_manage_get_403(client, organisation, owner, pending, who, request):
    client.force_login(request.getfixturevalue(who))
    for method, url in manage_urls(organisation, owner.memberships.get(), pending):
        assert getattr(client, method)(url).status_code == 403, url
    assert Invitation.objects.get(pk=pending.pk).status == InvitationStatus.PENDING


def test_the_organisation_page_links_to_people_only_for_those_who_manage(client, organisation, owner, colleague):
    url = reverse("charter:organisation-detail", args=[organisation.pk])
    people = reverse("charter:people", args=[organisation.pk])
    client.force_login(owner)
    assert people in client.get(url).content.decode()
    client.force_login(colleague)
    assert people not in client.get(url).content.decode()


def test_another_organisations_member_or_invitation_is_404(client, organisation, owner, outsider):
    other_org = outsider.memberships.get().organisation
    foreign = outsider.memberships.get()
    foreign_invitation = ps.invite(other_org, outsider, email="x@example.org", role=Role.VIEWER)
    client.force_login(owner)
    assert client.get(reverse("charter:people-role", args=[organisation.pk, foreign.pk])).status_code == 404
    assert client.post(
        reverse("charter:invitation-cancel", args=[organisation.pk, foreign_invitation.pk])
    ).status_code == 404
    assert Invitation.objects.get(pk=foreign_invitation.pk).status == InvitationStatus.PENDING


# --- invitations ----------------------------------------------------------------------------


def test_an_admin_invites_and_a_newcomer_sets_their_own_password(client, organisation, owner):
    client.force_login(owner)
    response = invite(client, organisation, "New.Person@Example.org", Role.REPORTER)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@example.org"]
    link = link_in(mail.outbox[0])
    assert link.startswith("http://testserver/")  # built from the request's host
    client.logout()

    page = client.get(path_of(link))
    assert page.status_code == 200 and "Create your account" in page.content.decode()
    response = client.post(path_of(link), {"full_name": "Nia Jones", "password1": "Fresh-pass-2026!", "password2": "Fresh-pass-2026!"})
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password("Fresh-pass-2026!") and user.full_name == "Nia Jones"
    assert Membership.objects.get(user=user, organisation=organisation).role == Role.REPORTER
    assert client.get(reverse("home")).wsgi_request.user == user  # signed in
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == user


def test_a_weak_or_mismatched_password_creates_nothing(client, organisation, owner):
    invitation = ps.invite(organisation, owner, email="nia@example.org", role=Role.REPORTER)
    url = reverse("charter:invitation", args=[ps.make_token(invitation)])
    response = client.post(url, {"full_name": "Nia Jones", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 400
    response = client.post(url, {"full_name": "Nia Jones", "password1": "Fresh-pass-2026!", "password2": "Other-pass-2026!"})
    assert response.status_code == 400 and "do not match" in response.content.decode()
    assert not User.objects.filter(email="nia@example.org").exists()


def test_someone_with_an_account_signs_in_and_joins(client, organisation, owner):
    existing = UserFactory(email="already@example.org")
    invitation = ps.invite(organisation, owner, email="already@example.org", role=Role.VIEWER)
    url = reverse("charter:invitation", args=[ps.make_token(invitation)])
    page = client.get(url)
    assert "Sign in to accept" in page.content.decode()
    assert client.post(url, {"full_name": "X", "password1": "Fresh-pass-2026!", "password2": "Fresh-pass-2026!"}).status_code == 200
    assert existing.check_password(PASSWORD)  # the link never sets a known account's password
    client.force_login(existing)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=existing, organisation=organisation).role == Role.VIEWER


def test_the_wrong_person_signed_in_is_refused(client, organisation, owner, outsider):
    invitation = ps.invite(organisation, owner, email="meant@example.org", role=Role.ADMIN)
    url = reverse("charter:invitation", args=[ps.make_token(invitation)])
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not Membership.objects.filter(user=outsider, organisation=organisation).exists()
    with pytest.raises(ps.PeopleError):
        ps.accept(ps.make_token(invitation), outsider)


def test_an_invitation_is_used_once(client, organisation, owner):
    invitation = ps.invite(organisation, owner, email="once@example.org", role=Role.REPORTER)
    url = reverse("charter:invitation", args=[ps.make_token(invitation)])
    client.post(url, {"full_name": "Once", "password1": "Fresh-pass-2026!", "password2": "Fresh-pass-2026!"})
    client.logout()
    again = client.get(url)
    assert again.status_code == 400 and "already been used" in again.content.decode()
    assert client.post(url, {"full_name": "Twice", "password1": "Fresh-pass-2026!", "password2": "Fresh-pass-2026!"}).status_code == 400


def test_an_expired_invitation_is_refused(client, organisation, owner, settings):
    invitation = ps.invite(organisation, owner, email="late@example.org", role=Role.REPORTER)
    token = ps.make_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=settings.INVITATION_DAYS + 1))
    response = client.get(reverse("charter:invitation", args=[token]))
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_the_signed_link_expires_too(client, organisation, owner, settings):
    invitation = ps.invite(organisation, owner, email="late@example.org", role=Role.REPORTER)
    token = ps.make_token(invitation)
    settings.INVITATION_DAYS = 0
    response = client.get(reverse("charter:invitation", args=[token]))
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_resend_replaces_the_link_and_cancel_kills_it(client, organisation, owner):
    client.force_login(owner)
    invite(client, organisation, "twice@example.org")
    first = path_of(link_in(mail.outbox[0]))
    invitation = Invitation.objects.get()
    client.post(reverse("charter:invitation-resend", args=[organisation.pk, invitation.pk]))
    assert len(mail.outbox) == 2
    second = path_of(link_in(mail.outbox[1]))
    client.logout()
    assert client.get(first).status_code == 400  # the earlier link stops working
    assert client.get(second).status_code == 200
    client.force_login(owner)
    client.post(reverse("charter:invitation-cancel", args=[organisation.pk, invitation.pk]))
    client.logout()
    response = client.get(second)
    assert response.status_code == 400 and "cancelled" in response.content.decode()


def test_inviting_a_member_or_someone_already_invited_is_refused(client, organisation, owner, colleague):
    client.force_login(owner)
    response = invite(client, organisation, colleague.email.upper())
    assert response.status_code == 400 and "already belongs" in response.content.decode()
    invite(client, organisation, "dup@example.org")
    response = invite(client, organisation, "DUP@example.org")
    assert response.status_code == 400 and "already been invited" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_a_bad_address_names_the_field(client, organisation, owner):
    client.force_login(owner)
    response = client.post(reverse("charter:people-invite", args=[organisation.pk]), {"email": "nope", "role": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter an e-mail address in the correct format" in body and "Choose a role" in body
    assert not Invitation.objects.exists()


# --- roles and removals ---------------------------------------------------------------------


def test_an_admin_changes_a_role_with_who_and_why_in_the_history(client, organisation, owner, colleague):
    membership = colleague.memberships.get()
    client.force_login(owner)
    response = client.post(
        reverse("charter:people-role", args=[organisation.pk, membership.pk]), {"role": Role.ADMIN, "reason": "Covers for Sam"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    latest = membership.history.first()
    assert latest.history_user == owner and "Covers for Sam" in latest.history_change_reason
    assert "Reporter to Organisation admin" in latest.history_change_reason
    assert "Covers for Sam" in client.get(reverse("charter:people", args=[organisation.pk])).content.decode()


def test_the_last_admin_can_be_neither_demoted_nor_removed(client, organisation, owner, colleague):
    mine = owner.memberships.get()
    client.force_login(owner)
    response = client.post(reverse("charter:people-role", args=[organisation.pk, mine.pk]), {"role": Role.REPORTER})
    assert response.status_code == 400 and "only organisation admin" in response.content.decode()
    response = client.post(reverse("charter:people-remove", args=[organisation.pk, mine.pk]), {})
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.role == Role.ADMIN

    # With a second admin, the first may step down.
    ps.change_role(colleague.memberships.get(), owner, role=Role.ADMIN)
    assert client.post(reverse("charter:people-remove", args=[organisation.pk, mine.pk]), {}).status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_an_admin_removes_a_member_and_the_history_keeps_it(client, organisation, owner, colleague):
    membership = colleague.memberships.get()
    client.force_login(owner)
    response = client.post(
        reverse("charter:people-remove", args=[organisation.pk, membership.pk]), {"reason": "Left the company"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    deleted = Membership.history.filter(id=membership.pk, history_type="-").get()
    assert deleted.history_user == owner and "Left the company" in deleted.history_change_reason


def test_an_icb_admin_manages_any_organisation(client, icb_admin):
    organisation = OrganisationFactory()
    reporter = MembershipFactory(organisation=organisation, role=Role.REPORTER)
    client.force_login(icb_admin)
    assert client.get(reverse("charter:people", args=[organisation.pk])).status_code == 200
    assert invite(client, organisation, "fresh@example.org", Role.ADMIN).status_code == 302
    client.post(reverse("charter:people-role", args=[organisation.pk, reporter.pk]), {"role": Role.VIEWER})
    reporter.refresh_from_db()
    assert reporter.role == Role.VIEWER
    assert "Invitation" in mail.outbox[0].subject or "invited" in mail.outbox[0].subject


# --- the organisation's details -------------------------------------------------------------


def edit_data(organisation, **changes):
    data = {
        "name": organisation.name, "sector": organisation.sector, "kind": organisation.kind,
        "place": organisation.place, "size": organisation.size, "companies_house_number": "",
        "charity_number": "", "ods_code": "", "website": "", "email_domain": "", "reason": "",
    }
    data.update(changes)
    return data


def test_an_admin_edits_the_details_with_identifiers_tidied_and_recorded(client, organisation, owner):
    client.force_login(owner)
    url = reverse("charter:organisation-edit", args=[organisation.pk])
    response = client.post(url, edit_data(organisation, companies_house_number="1234567", reason="New registration"))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.companies_house_number == "01234567"
    latest = organisation.history.first()
    assert latest.history_user == owner and "New registration" in latest.history_change_reason


def test_bad_details_name_the_field_and_change_nothing(client, organisation, owner):
    client.force_login(owner)
    before = organisation.name
    url = reverse("charter:organisation-edit", args=[organisation.pk])
    response = client.post(url, edit_data(organisation, name="Renamed", companies_house_number="XX1", ods_code="!!"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter a Companies House number" in body and "Enter an NHS ODS code" in body
    response = client.post(url, edit_data(organisation, kind="nhs_trust"))
    assert response.status_code == 400 and "NHS trust organisations belong to the public sector" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == before and organisation.companies_house_number == ""


def test_a_duplicate_identifier_is_refused(client, organisation, owner):
    OrganisationFactory(charity_number="1012345")
    client.force_login(owner)
    response = client.post(
        reverse("charter:organisation-edit", args=[organisation.pk]), edit_data(organisation, charity_number="1012345")
    )
    assert response.status_code == 400 and "charity number is already registered" in response.content.decode()


def test_the_sign_in_advice_is_now_true(client, organisation, owner):
    """The sign-in page tells people to ask their organisation admin to add them: an admin can."""
    assert "ask its organisation admin to add you" in client.get(reverse("login")).content.decode()
    client.force_login(owner)
    assert client.get(reverse("charter:people-invite", args=[organisation.pk])).status_code == 200


def test_invitations_are_read_in_the_admin_but_made_on_the_people_page(client, organisation, owner, pending):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    listing = client.get(reverse("admin:charter_invitation_changelist"))
    assert listing.status_code == 200 and "waiting@example.org" in listing.content.decode()
    assert client.get(reverse("admin:charter_invitation_add")).status_code == 403
