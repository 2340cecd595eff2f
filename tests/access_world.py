"""One small world with a person for every role, for the access matrix.

The supplier's return on the commissioner's contract is the object most routes are about; the
"other" reporter and commissioner belong to a second supplier and a second contract, and must
see none of it. Around it: the supplier's Partner VCFSE commitment (baselines and targets), an
NT14 line on the submitted return reported as given to the VCFSE organisation (and one on the
draft with nobody named yet), an invitation to the supplier, the commissioner's finished contract
report with its PDF, and snapshots: one built and not published, one published, and a build. The
other supplier has its own submitted return (an NT14 line given to a second VCFSE organisation,
and evidence) and its own invitation, so that ids of other organisations' things can be put in
the supplier's URLs.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from charter import people_services as ps
from charter.models import Role
from commitments.models import Baseline, PartnerCommitment, Target
from commitments.services import evidence
from commitments.services import returns as rs
from commitments.services import vcfse as vs
from reporting.models import BuildStatus, Report, ReportKind, SnapshotBuild
from reporting.services.snapshots import build_snapshot
from tests.factories import (
    ContractFactory,
    DraftReturnFactory,
    LiveSignatureFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from toms.models import Measure
from toms.periods import Quarter

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
    lines = [rs.LineInput(measure="NT1", quantity="2"), rs.LineInput(measure="NT14", quantity="1000")]
    rs.save_draft(submitted, p["reporter"], lines, revision=1)
    given = submitted.lines.get(measure__code="NT14")
    recipient = vs.add_recipient(p["reporter"], given, {"organisation": vcfse, "amount": "400"})
    item = evidence.add_evidence(submitted, p["reporter"], SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n%\n"))
    case = evidence.add_case_study(submitted, p["reporter"], title="A story", story="What changed.")
    submitted.refresh_from_db()
    rs.submit(submitted, p["reporter"], attested=True, revision=submitted.revision)
    draft = DraftReturnFactory(contract=contract, quarter=2)
    rs.save_draft(draft, p["reporter"], [rs.LineInput(measure="NT14", quantity="500")], revision=draft.revision)
    signature = LiveSignatureFactory(organisation=supplier)
    other_return = DraftReturnFactory(contract=other_contract)
    rs.save_draft(other_return, p["other_reporter"], [rs.LineInput(measure="NT14", quantity="300")], revision=1)
    other_line = other_return.lines.get()
    other_recipient = vs.add_recipient(
        p["other_reporter"], other_line, {"organisation": OrganisationFactory(vcfse=True), "amount": "200"}
    )
    theirs = SimpleUploadedFile("theirs.pdf", b"%PDF-1.4\n")
    other_evidence = evidence.add_evidence(other_return, p["other_reporter"], theirs)
    other_return.refresh_from_db()
    rs.submit(other_return, p["other_reporter"], attested=True, revision=other_return.revision)
    w.objects.update(
        supplier=supplier, other_supplier=other_supplier, vcfse_org=vcfse, contract=contract,
        other_contract=other_contract, submitted=submitted, draft=draft, evidence=item, case=case,
        signature=signature, given_line=given, recipient=recipient, draft_line=draft.lines.get(measure__code="NT14"),
        commitment=_commitment(supplier, p["org_admin"]),
        invitation=ps.invite(supplier, p["org_admin"], email="newcomer@example.org", role=Role.REPORTER),
        report=_report(contract, p["commissioner"]),
        **_snapshots(p["icb_admin"]),
        other_return=other_return, other_line=other_line, other_recipient=other_recipient,
        other_evidence=other_evidence,
        other_invitation=ps.invite(other_supplier, p["icb_admin"], email="theirs@example.org", role=Role.VIEWER),
    )
    return w


def _commitment(organisation, admin):
    """A private supplier's Partner VCFSE commitment: a baseline and three years' targets for NT14 to NT17."""
    commitment = PartnerCommitment.objects.create(
        organisation=organisation, baseline_year=2024, opportunities="Buy cleaning from local charities.",
        opportunity_kinds=["supply_chain"], created_by=admin,
    )
    for measure in Measure.objects.filter(code__in=vs.VCFSE_CODES):
        Baseline.objects.create(commitment=commitment, measure=measure, value=Decimal(1000), method="records")
        for n in (1, 2, 3):
            Target.objects.create(commitment=commitment, measure=measure, financial_year=2024 + n,
                                  value=Decimal(1000 + 100 * n), reason="Set with the commitment.", set_by=admin)
    return commitment


def _report(contract, commissioner):
    """The commissioner's contract report, built: its PDF is on file."""
    report = Report.objects.create(
        kind=ReportKind.CONTRACT, subject=str(contract.pk), year=2025, quarter=1, requested_by=commissioner,
        title="Contract report", status=BuildStatus.DONE, progress=100, finished_at=timezone.now(),
    )
    report.file.save("contract-report.pdf", ContentFile(b"%PDF-1.4\n%\n"), save=True)
    return report


def _snapshots(icb_admin):
    """2025/26 Q1 built and not published; 2024/25 Q4 built and published; a finished build."""
    built = build_snapshot(Quarter(2025, 1))
    published = build_snapshot(Quarter(2024, 4))
    published.published_at, published.published_by = timezone.now() - dt.timedelta(days=1), icb_admin
    published.save(update_fields=["published_at", "published_by"])
    build = SnapshotBuild.objects.create(
        year=2025, quarter=1, status=BuildStatus.DONE, requested_by=icb_admin, finished_at=timezone.now()
    )
    return {"built_snapshot": built, "published_snapshot": published, "snapshot_build": build}


def login_url(path):
    return f"{reverse('login')}?next="
