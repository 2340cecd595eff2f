"""Exports read long queries in keyset chunks: every row once, in order, ties included."""

import pytest

from charter.models import Organisation
from common.chunks import in_chunks
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["name", "-name"])
@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_every_row_once_in_order_across_chunks_with_ties(key, size, django_assert_max_num_queries):
    places = ["liverpool", "wirral", "sefton", "knowsley", "halton", "warrington", "st_helens"]
    for name, place in zip(["Beta", "Alpha", "Beta", "Beta", "Gamma", "Alpha", "Delta"], places, strict=True):
        OrganisationFactory(name=name, place=place)  # the same name in another place: ties
    expected = list(Organisation.objects.order_by(key, "-pk" if key.startswith("-") else "pk").values_list("name", "pk"))
    with django_assert_max_num_queries(len(expected) // size + 1):
        found = list(in_chunks(Organisation.objects.values_list("name", "pk"), key, lambda r: r, size=size))
    assert found == expected
    assert list(in_chunks(Organisation.objects.filter(name="Beta"), key, lambda o: (o.name, o.pk), size=size)) == list(
        Organisation.objects.filter(name="Beta").order_by(key, "-pk" if key.startswith("-") else "pk")
    )
