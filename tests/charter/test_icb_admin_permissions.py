"""The ICB admin role opens the Django admin with what the README promises: the framework,
proxy values, organisations and people. Other roles get nothing there."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from charter.admin_access import ICB_ADMIN_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_icb_admin():
    """Made as the admin or seed would: only the system role is set."""
    return UserFactory(system_role="icb_admin")


def test_an_icb_admin_sees_measures_and_proxy_values_in_the_admin(client, new_icb_admin):
    client.force_login(new_icb_admin)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "permission to view or edit anything" not in index.text
    assert "/admin/toms/measure/" in index.text and "/admin/toms/proxyvalue/" in index.text
    assert "/admin/charter/organisation/" in index.text
    for url in ("/admin/toms/measure/", "/admin/toms/proxyvalue/", "/admin/toms/proxyvalue/add/"):
        assert client.get(url).status_code == 200, url


def test_the_role_makes_staff_and_joins_the_group(new_icb_admin):
    new_icb_admin.refresh_from_db()
    assert new_icb_admin.is_staff
    assert new_icb_admin.groups.filter(name=ICB_ADMIN_GROUP).exists()
    assert new_icb_admin.has_perm("toms.change_proxyvalue") and new_icb_admin.has_perm("toms.add_measure")


def test_losing_the_role_leaves_the_group(new_icb_admin):
    new_icb_admin.system_role = ""
    new_icb_admin.save()
    fresh = type(new_icb_admin).objects.get(pk=new_icb_admin.pk)
    assert not fresh.groups.exists() and not fresh.has_perm("toms.change_proxyvalue")


def test_an_analyst_or_organisation_person_gets_nothing_in_the_admin(client):
    analyst = UserFactory(system_role="icb_analyst", is_staff=True)
    client.force_login(analyst)
    assert "/admin/toms/proxyvalue/" not in client.get("/admin/").text
    assert client.get("/admin/toms/proxyvalue/").status_code == 403


def test_migrate_keeps_the_group_and_its_members_in_step(new_icb_admin):
    group = Group.objects.get(name=ICB_ADMIN_GROUP)
    group.permissions.clear()
    group.user_set.clear()
    type(new_icb_admin).objects.filter(pk=new_icb_admin.pk).update(is_staff=False)
    call_command("migrate", verbosity=0)
    group.refresh_from_db()
    assert group.permissions.filter(codename="change_proxyvalue").exists()
    assert not group.permissions.filter(codename="delete_signature").exists()
    assert group.user_set.filter(pk=new_icb_admin.pk, is_staff=True).exists()
