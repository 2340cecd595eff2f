"""for_user() decides what each persona may see; private pages answer 404 to outsiders."""

import pytest
from django.urls import reverse

from charter.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_org(db):
    return MembershipFactory(role="admin").organisation


def test_members_see_only_their_own_organisations(organisation, owner, colleague, other_org):
    for user in (owner, colleague):
        assert list(Organisation.objects.for_user(user)) == [organisation]


def test_an_outsider_sees_none_of_another_organisations_rows(organisation, owner, outsider):
    assert organisation not in Organisation.objects.for_user(outsider)
    assert not Membership.objects.for_user(outsider).filter(organisation=organisation).exists()


def test_a_commissioner_sees_their_own_body_only(commissioner, organisation):
    visible = Organisation.objects.for_user(commissioner)
    assert organisation not in visible
    assert visible.count() == 1


@pytest.mark.parametrize("persona", ["icb_analyst", "icb_admin"])
def test_the_icb_sees_everything(persona, request, organisation, other_org):
    user = request.getfixturevalue(persona)
    assert set(Organisation.objects.for_user(user)) == set(Organisation.objects.all())
    assert Membership.objects.for_user(user).count() == Membership.objects.count()


def test_anonymous_and_inactive_people_see_nothing(organisation, owner, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not Organisation.objects.for_user(AnonymousUser()).exists()
    owner.is_active = False
    assert not Organisation.objects.for_user(owner).exists()
    assert not Membership.objects.for_user(owner).exists()


def test_colleagues_see_each_others_memberships_not_strangers(organisation, owner, colleague, other_org):
    seen = set(Membership.objects.for_user(colleague).values_list("user_id", flat=True))
    assert seen == {owner.pk, colleague.pk}


def test_administered_by_lists_only_admin_roles(organisation, owner, colleague):
    assert list(Organisation.objects.administered_by(owner)) == [organisation]
    assert not Organisation.objects.administered_by(colleague).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("colleague", 200), ("icb_analyst", 200), ("outsider", 404), ("commissioner", 404)],
)
def test_organisation_page_by_persona(client, request, organisation, owner, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("charter:organisation-detail", args=[organisation.pk]))
    assert response.status_code == status
    if status == 200:
        assert organisation.name in response.text
        assert owner.email in response.text  # the people and their roles


def test_organisation_page_asks_strangers_to_sign_in(client, organisation):
    response = client.get(reverse("charter:organisation-detail", args=[organisation.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_unknown_id_is_a_plain_404(client, owner):
    client.force_login(owner)
    assert client.get("/organisations/999999/").status_code == 404


def test_your_organisations_lists_only_yours(client, organisation, owner, other_org):
    client.force_login(owner)
    response = client.get(reverse("charter:organisation-list"))
    assert organisation.name in response.text
    assert other_org.name not in response.text


def test_a_person_in_two_organisations_sees_both(client, django_assert_max_num_queries):
    user = UserFactory()
    orgs = [MembershipFactory(user=user, organisation=OrganisationFactory()).organisation for _ in range(2)]
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("charter:organisation-list"))
    for org in orgs:
        assert org.name in response.text


def test_the_organisation_page_shows_its_charter_status(client, organisation, owner):
    from tests.factories import LiveSignatureFactory

    client.force_login(owner)
    url = reverse("charter:organisation-detail", args=[organisation.pk])
    assert "Not signed" in client.get(url).text
    LiveSignatureFactory(organisation=organisation)
    text = client.get(url).text
    assert "Signed" in text and reverse("charter:organisation-charter", args=[organisation.pk]) in text


def test_only_the_deepest_navigation_item_is_current(client, icb_admin):
    client.force_login(icb_admin)
    nav = client.get(reverse("toms:proxy-value-import")).context["service_navigation"]
    assert [item["label"] for item in nav if item["active"]] == ["Proxy values"]
