"""The demo data set: believable, complete across places and roles, and safe to load twice."""

import pytest
from django.core.management import call_command

from charter.models import Membership, Organisation, Place, Role, Sector, Signature, SystemRole, User
from toms.models import ProxyValue

pytestmark = pytest.mark.django_db


def counts():
    from commitments.models import Contract, Return, ReturnLine

    return (Organisation.objects.count(), User.objects.count(), Membership.objects.count(),
            Signature.objects.count(), ProxyValue.objects.count(), Contract.objects.count(),
            Return.objects.count(), ReturnLine.objects.count())


def test_seed_demo_is_complete_and_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    output = capsys.readouterr().out
    call_command("seed_demo", "--quiet-logins")
    assert counts() == first

    places = set(Organisation.objects.values_list("place", flat=True))
    assert {p for p in Place.values if p != Place.OUTSIDE} <= places
    assert set(Organisation.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(User.objects.exclude(system_role="").values_list("system_role", flat=True)) == {
        SystemRole.ICB_ANALYST, SystemRole.ICB_ADMIN}
    assert Signature.objects.on_register().count() >= 10
    assert set(ProxyValue.objects.values_list("source", flat=True)) == {"illustrative, demo only"}
    from commitments.models import Return

    statuses = set(Return.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "approved", "changes_requested"} <= statuses

    for user in User.objects.all():
        assert user.email in output  # every demo login is printed
        assert user.check_password("SocialValue-demo-2026")
    assert "http://127.0.0.1:8000/" in output
