"""Demo data for the Partner VCFSE commitment: committed organisations of each sector with
baselines and targets (one revised), VCFSE recipients named on approved returns, and the
recipients' answers (confirmed, disputed, not yet). Safe to re-run: an organisation that has
committed is left as it is."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from charter.models import Organisation, Place, User
from commitments.models import (
    Baseline,
    PartnerCommitment,
    Return,
    ReturnLine,
    ReturnLineRecipient,
    ReturnStatus,
    Target,
)
from toms.models import Measure
from toms.periods import Quarter, financial_year_of

D = Decimal

# organisation: (baselines {code: value}, yearly growth, opportunity kinds, opportunities, public)
COMMITMENTS = {
    "Liverpool City Council": (
        {"NT14": "2400000"}, D("1.10"), ["supply_chain", "joint_programmes"],
        "Open more of our care and community contracts to VCFSE providers; a joint programme with "
        "Liverpool's voluntary sector on food insecurity.", True,
    ),
    "Mersey Facilities Services Ltd (demo)": (
        {"NT14": "85000", "NT15": "60", "NT16": "4000", "NT17": "600"}, D("1.15"),
        ["supply_chain", "pro_bono", "paid_volunteering", "in_kind"],
        "Buy cleaning supplies and catering from social enterprises; give our finance team's time to "
        "small charities; paid volunteering days for every member of staff.", True,
    ),
    "Dee Valley Construction Ltd (demo)": (
        {"NT14": "30000", "NT17": "200"}, D("1.20"), ["supply_chain", "in_kind"],
        "Site welfare and landscaping from local social enterprises; lend our yard to community groups.", False,
    ),
    "Wirral Community Pantry (demo)": (
        {"NT17": "150"}, D("1.10"), ["joint_programmes"],
        "Share volunteers and surplus food with Sefton Carers Together and other food projects.", True,
    ),
    "Sefton Carers Together (demo)": (
        {}, D("1"), ["joint_programmes"], "Joint carers' cafés with faith groups across Sefton.", False,
    ),
}


def seed_vcfse(stdout=None):
    today = dt.date.today()
    baseline_year = financial_year_of(today) - 1
    measures = {m.code: m for m in Measure.objects.partner_vcfse()}
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=[*COMMITMENTS, *RECIPIENTS])}
    made = 0
    for name, (baselines, growth, kinds, text, public) in COMMITMENTS.items():
        organisation = orgs.get(name)
        if organisation is None or PartnerCommitment.objects.filter(organisation=organisation).exists():
            continue
        admin = User.objects.filter(memberships__organisation=organisation, memberships__role="admin").first()
        commitment = PartnerCommitment.objects.create(
            organisation=organisation, baseline_year=baseline_year, opportunity_kinds=kinds, opportunities=text,
            public_figures=public, created_by=admin,
        )
        for code, value in baselines.items():
            Baseline.objects.create(
                commitment=commitment, measure=measures[code], value=D(value), method="records",
                how="purchase ledger, payroll and the volunteering log for the year",
            )
            target = D(value)
            for n in (1, 2, 3):
                target = (target * growth).quantize(D("1"))
                Target.objects.create(
                    commitment=commitment, measure=measures[code], financial_year=baseline_year + n, value=target,
                    reason="Set with the commitment.", set_by=admin,
                )
        made += 1
    _revise_one(orgs.get("Mersey Facilities Services Ltd (demo)"), baseline_year)
    named = _recipients(orgs, measures)
    if stdout is not None:
        stdout.write(f"Partner VCFSE: {made} new commitments, {named} recipients named on approved returns.")
    return made


def _revise_one(organisation, baseline_year):
    """A revised target, so the demo shows a history with its reason."""
    if organisation is None:
        return
    target = Target.objects.filter(
        commitment__organisation=organisation, measure__code="NT17", financial_year=baseline_year + 2
    ).first()
    if target is None or target.history.count() > 1:
        return
    target.value += 100
    target.reason = "A second contract starts in the autumn: more staff volunteering days."
    target.save()


# Who received what, on Mersey Facilities' organisation-wide return for the last quarter.
RECIPIENTS = {
    "Wirral Community Pantry (demo)": ("NT14", "12000", "confirmed", ""),
    "Sefton Carers Together (demo)": ("NT14", "6500", "disputed", "We received £4,500 in this quarter, not £6,500."),
    "Knowsley Youth Futures (demo)": ("NT17", "120", "unconfirmed", ""),
    "Liverpool Bike Recycle CIC (demo)": ("NT16", "1500", "confirmed", ""),
    "Crewe Green Spaces CIC (demo)": ("NT15", "12", "unconfirmed", ""),
}


def _recipients(orgs, measures):
    supplier = orgs.get("Mersey Facilities Services Ltd (demo)")
    if supplier is None:
        return 0
    quarter = Quarter.containing(dt.date.today()).previous()
    ret = Return.objects.filter(
        organisation=supplier, contract__isnull=True, year=quarter.year, quarter=quarter.number,
        status=ReturnStatus.APPROVED,
    ).first()
    if ret is None:
        if Return.objects.filter(organisation=supplier, contract__isnull=True, year=quarter.year, quarter=quarter.number).exists():
            return 0
        reporter = User.objects.filter(email="reporter@merseyfacilities.example").first()
        reviewer = User.objects.filter(email="icb.admin@cheshireandmerseyside.example").first()
        now = timezone.now()
        ret = Return.objects.create(
            organisation=supplier, year=quarter.year, quarter=quarter.number, status=ReturnStatus.APPROVED,
            attested=True, created_by=reporter, last_edited_by=reporter, submitted_by=reporter, submitted_at=now,
            reviewed_by=reviewer, reviewed_at=now,
        )
        for code, quantity, narrative in (
            ("NT14", "24000", "Cleaning supplies and catering bought from social enterprises."),
            ("NT15", "18", "Our finance team's pro-bono help with charity accounts."),
            ("NT16", "2200", "Office furniture and laptops donated."),
            ("NT17", "190", "Paid volunteering days at food projects and youth clubs."),
        ):
            ReturnLine.objects.create(return_obj=ret, measure=measures[code], quantity=D(quantity), narrative=narrative)
    if ReturnLineRecipient.objects.filter(line__return_obj=ret).exists():
        return 0
    lines = {line.measure.code: line for line in ret.lines.select_related("measure")}
    count = 0
    for name, (code, amount, status, comment) in RECIPIENTS.items():
        recipient = orgs.get(name)
        if recipient is None or code not in lines:
            continue
        answerer = User.objects.filter(memberships__organisation=recipient).first()
        ReturnLineRecipient.objects.create(
            line=lines[code], organisation=recipient, amount=D(amount), status=status, comment=comment,
            answered_by=answerer if status != "unconfirmed" else None,
            answered_at=timezone.now() if status != "unconfirmed" else None,
        )
        count += 1
    if "NT14" in lines:
        ReturnLineRecipient.objects.create(
            line=lines["NT14"], name="Manchester Food Collective", place=Place.OUTSIDE, amount=D("1500"),
        )
        count += 1
    return count
