"""The demo's invitations: two waiting at the demo supplier, one expired; re-running adds none."""

import pytest

from charter.models import Invitation, Role
from reporting.management.commands._demo_people import ADMIN, SUPPLIER, seed_people
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_invitations_are_made_once_and_one_has_expired(capsys):
    import sys

    organisation = OrganisationFactory(name=SUPPLIER)
    MembershipFactory(organisation=organisation, role=Role.ADMIN, user=UserFactory(email=ADMIN))
    assert seed_people(sys.stdout) == 2
    assert seed_people(sys.stdout) == 0
    invitations = list(Invitation.objects.filter(organisation=organisation))
    assert len(invitations) == 2 and all(i.invited_by.email == ADMIN for i in invitations)
    assert sorted(i.is_expired for i in invitations) == [False, True]
    assert "2 waiting" in capsys.readouterr().out
