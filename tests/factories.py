"""factory_boy factories, named after the state they build."""

import factory
from factory.django import DjangoModelFactory

from charter.models import Kind, Membership, Organisation, Place, Sector, Size, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Mersey Example Services {n} Ltd")
    sector = Sector.PRIVATE
    kind = Kind.BUSINESS
    place = Place.LIVERPOOL
    size = Size.SMALL

    class Params:
        public = factory.Trait(
            name=factory.Sequence(lambda n: f"Example Borough Council {n}"),
            sector=Sector.PUBLIC, kind=Kind.LOCAL_AUTHORITY, size=Size.LARGE,
            is_anchor_institution=True,
        )
        vcfse = factory.Trait(
            name=factory.Sequence(lambda n: f"Wirral Example Charity {n}"),
            sector=Sector.VCFSE, kind=Kind.CHARITY, place=Place.WIRRAL,
        )


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "reporter"


class CharterVersionFactory(DjangoModelFactory):
    class Meta:
        model = "charter.CharterVersion"
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: n + 2)  # version 1 comes from the data migration
    body = "## Our principles\n\n- Working together."
    commitment_statement = "By signing this Charter, we are committed to its principles."
    principles = ["Working together"]
    priorities = ["Best start in life"]
    published_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


def _current_version():
    from charter.models import CharterVersion

    return CharterVersion.objects.current()


class PendingSignatureFactory(DjangoModelFactory):
    """A signature submitted and waiting for its e-mail confirmation."""

    class Meta:
        model = "charter.Signature"

    organisation = factory.SubFactory(OrganisationFactory)
    version = factory.LazyFunction(_current_version)
    status = "pending"
    signatory_name = factory.Faker("name", locale="en_GB")
    designation = "Chief Executive"
    signatory_email = factory.Sequence(lambda n: f"signatory{n}@example.org")


class LiveSignatureFactory(PendingSignatureFactory):
    """A confirmed signature on the public register."""

    status = "live"
    confirmed_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())
    live_from = factory.LazyAttribute(lambda o: o.confirmed_at)
    statement = "We will buy local and volunteer with local charities."


class ContractFactory(DjangoModelFactory):
    """A live contract between a council and a supplier, from April 2024 to March 2028."""

    class Meta:
        model = "commitments.Contract"

    commissioner = factory.SubFactory(OrganisationFactory, public=True)
    supplier = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"LCC-{n:04d}")
    title = "Facilities management"
    value = 1_000_000
    start_date = factory.LazyFunction(lambda: __import__("datetime").date(2024, 4, 1))
    end_date = factory.LazyFunction(lambda: __import__("datetime").date(2028, 3, 31))
    places_served = ["liverpool"]


class DraftReturnFactory(DjangoModelFactory):
    """A return being filled in, for the contract's supplier, in 2025/26 Q1."""

    class Meta:
        model = "commitments.Return"

    contract = factory.SubFactory(ContractFactory)
    organisation = factory.LazyAttribute(lambda o: o.contract.supplier)
    year = 2025
    quarter = 1
    status = "draft"


class SubmittedReturnFactory(DraftReturnFactory):
    status = "submitted"
    attested = True
    submitted_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


class ApprovedReturnFactory(SubmittedReturnFactory):
    status = "approved"
    reviewed_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())
