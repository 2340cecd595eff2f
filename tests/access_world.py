"""One small world with a person for every role, for the access matrix.

The supplier's return on the commissioner's contract is the object most routes are about; the
"other" reporter and commissioner belong to a second supplier and a second contract, and must
see none of it.
"""

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from charter.models import Role
from commitments.services import evidence
from commitments.services import returns as rs
from tests.factories import (
    ContractFactory,
    DraftReturnFactory,
    LiveSignatureFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

ROLES = [
    "anonymous",
    "reporter",  # reporter of the owning (supplier) organisation
    "other_reporter",  # reporter of another supplier
    "org_admin",  # admin of the owning organisation
    "viewer",  # viewer of the owning organisation
    "vcfse",  # staff (admin) of a VCFSE organisation
    "commissioner",  # commissioner of the contract
    "other_commissioner",  # commissioner of another contract
    "icb_analyst",
    "icb_admin",
]


@dataclass
class World:
    people: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def build_world():
    w = World()
    supplier = OrganisationFactory()
    other_supplier = OrganisationFactory()
    vcfse = OrganisationFactory(vcfse=True)
    contract = ContractFactory(supplier=supplier)
    other_contract = ContractFactory(supplier=other_supplier)
    p = w.people
    p["reporter"] = MembershipFactory(organisation=supplier, role=Role.REPORTER).user
    p["org_admin"] = MembershipFactory(organisation=supplier, role=Role.ADMIN).user
    p["viewer"] = MembershipFactory(organisation=supplier, role=Role.VIEWER).user
    p["other_reporter"] = MembershipFactory(organisation=other_supplier, role=Role.REPORTER).user
    p["vcfse"] = MembershipFactory(organisation=vcfse, role=Role.ADMIN).user
    p["commissioner"] = MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user
    p["other_commissioner"] = MembershipFactory(
        organisation=other_contract.commissioner, role=Role.COMMISSIONER
    ).user
    p["icb_analyst"] = UserFactory(system_role="icb_analyst")
    p["icb_admin"] = UserFactory(system_role="icb_admin", is_staff=True)

    submitted = DraftReturnFactory(contract=contract)
    rs.save_draft(submitted, p["reporter"], [rs.LineInput(measure="NT1", quantity="2")], revision=1)
    item = evidence.add_evidence(submitted, p["reporter"], SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n%\n"))
    case = evidence.add_case_study(submitted, p["reporter"], title="A story", story="What changed.")
    submitted.refresh_from_db()
    rs.submit(submitted, p["reporter"], attested=True, revision=submitted.revision)
    draft = DraftReturnFactory(contract=contract, quarter=2)
    signature = LiveSignatureFactory(organisation=supplier)
    w.objects.update(
        supplier=supplier, other_supplier=other_supplier, vcfse_org=vcfse, contract=contract,
        other_contract=other_contract, submitted=submitted, draft=draft, evidence=item, case=case,
        signature=signature,
    )
    return w


def login_url(path):
    return f"{reverse('login')}?next="
