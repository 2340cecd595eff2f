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
