"""Organisation identifiers are checked for format, tidied, and unique."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from charter import validators
from charter.models import Kind, Organisation, Sector
from tests.factories import OrganisationFactory


@pytest.mark.parametrize("value", ["01234567", "SC123456", "OC301234", "NI612345", "IP031234", "R0123456"])
def test_good_company_numbers(value):
    validators.validate_company_number(value)


@pytest.mark.parametrize("value", ["1234", "123456789", "XX123456", "SC12345", "ABCDEFGH", "0123456A"])
def test_bad_company_numbers_are_refused_with_an_example(value):
    with pytest.raises(ValidationError, match="like 01234567 or SC123456"):
        validators.validate_company_number(value)


def test_company_numbers_are_tidied():
    assert validators.normalise_company_number(" sc 123456 ") == "SC123456"
    assert validators.normalise_company_number("1234567") == "01234567"


@pytest.mark.parametrize("value", ["1012345", "222222", "1012345-1", "SC012345", "NIC100002"])
def test_good_charity_numbers(value):
    validators.validate_charity_number(value)


@pytest.mark.parametrize("value", ["12345", "123456789", "SC12345", "NIC12345", "CHARITY1", "1012345-123"])
def test_bad_charity_numbers_are_refused_with_an_example(value):
    with pytest.raises(ValidationError, match="registered charity number"):
        validators.validate_charity_number(value)


@pytest.mark.parametrize("value", ["QYG", "RBN", "RW4", "N81001", "01F", "RBL01"])
def test_good_ods_codes(value):
    validators.validate_ods_code(value)


@pytest.mark.parametrize("value", ["AB", "1234567", "ABCDEFG", "R-B-N", "123456"])
def test_bad_ods_codes_are_refused_with_an_example(value):
    with pytest.raises(ValidationError, match="NHS ODS code of 3 to 6"):
        validators.validate_ods_code(value)


@pytest.mark.django_db
def test_full_clean_tidies_then_names_the_bad_field():
    org = OrganisationFactory.build(companies_house_number=" 1234567", ods_code="rbn", charity_number="")
    org.full_clean()
    assert (org.companies_house_number, org.ods_code) == ("01234567", "RBN")

    bad = OrganisationFactory.build(charity_number="12")
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "charity_number" in caught.value.message_dict


@pytest.mark.django_db
def test_a_kind_must_fit_the_sector():
    org = OrganisationFactory.build(sector=Sector.PRIVATE, kind=Kind.NHS_TRUST)
    with pytest.raises(ValidationError) as caught:
        org.full_clean()
    assert caught.value.message_dict["kind"] == ["NHS trust organisations belong to the public sector."]


@pytest.mark.django_db
def test_two_organisations_cannot_share_an_identifier():
    OrganisationFactory(ods_code="RBN")
    duplicate = OrganisationFactory.build(ods_code="RBN")
    with pytest.raises(ValidationError, match="already registered"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError):
        duplicate.save()


@pytest.mark.django_db
def test_blank_identifiers_are_not_duplicates():
    OrganisationFactory(charity_number="")
    OrganisationFactory(charity_number="")
    assert Organisation.objects.filter(charity_number="").count() == 2


@pytest.mark.django_db
def test_slugs_are_unique_for_similar_names():
    a = OrganisationFactory(name="Wirral Pantry", place="wirral")
    b = OrganisationFactory(name="Wirral  Pantry!", place="liverpool")
    assert a.slug == "wirral-pantry" and b.slug == "wirral-pantry-2"


@pytest.mark.django_db
def test_the_same_name_and_place_cannot_be_registered_twice():
    OrganisationFactory(name="The Wirral Pantry Ltd", place="wirral")
    duplicate = OrganisationFactory.build(name="wirral pantry", place="wirral")
    with pytest.raises(ValidationError, match="already registered in this place"):
        duplicate.full_clean()
