"""What needs each signed-in person now, by role, for their home page.

A person may hold several roles (a reporter at one organisation, a commissioner at another, ICB
staff): each function returns its section, or None when the role does not apply. Every function
runs a fixed number of queries, however many returns, contracts or organisations there are.
"""

import datetime as dt

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from charter.models import (
    COMMISSIONING_ROLES,
    REPORTING_ROLES,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    Sector,
    Signature,
    SignatureStatus,
)
from charter.models.signatures import OPEN_STATUSES
from commitments import queues
from commitments.due import due_on_contracts, returns_due
from commitments.models import Confirmation, Contract, PartnerCommitment, Return, ReturnLineRecipient, ReturnStatus
from toms.periods import financial_year_label

ENDING_SOON_DAYS = 90
SHOWN = 5


def url_or_none(name, *args):
    """A page's address, or None while the page does not exist yet (a feature still landing)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def memberships_of(user):
    return list(Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name"))


def organisation_cards(memberships):
    """One card per organisation the person belongs to: their role, the charter and the Partner
    VCFSE commitment's status, and for admins the invitations waiting."""
    if not memberships:
        return []
    ids = [m.organisation_id for m in memberships]
    signatures = {}
    for org_id, status, number in (
        Signature.objects.filter(organisation__in=ids, status__in=[SignatureStatus.LIVE, *OPEN_STATUSES])
        .order_by("created_at")
        .values_list("organisation_id", "status", "version__number")
    ):
        # A live signature wins over one waiting (a re-signing of a newer version).
        if signatures.get(org_id, (None,))[0] != SignatureStatus.LIVE:
            signatures[org_id] = (status, number)
    commitments = _partner_commitments(ids)
    admin_of = [m.organisation_id for m in memberships if m.role == Role.ADMIN]
    invitations = dict(
        Invitation.objects.filter(organisation__in=admin_of, status=InvitationStatus.PENDING)
        .values_list("organisation_id")
        .annotate(n=Count("pk"))
    ) if admin_of else {}
    cards = []
    for m in memberships:
        org = m.organisation
        status, number = signatures.get(org.pk, (None, None))
        cards.append({
            "membership": m,
            "organisation": org,
            "is_admin": m.role == Role.ADMIN,
            "charter": status,
            "charter_version": number,
            "charter_url": reverse("charter:organisation-charter", args=[org.pk]),
            "vcfse": financial_year_label(commitments[org.pk]) if org.pk in commitments else None,
            "vcfse_url": url_or_none("commitments:vcfse-commitment", org.pk),
            "invitations": invitations.get(org.pk, 0),
            "people_url": reverse("charter:people", args=[org.pk]) if m.role == Role.ADMIN else None,
        })
    return cards


def _partner_commitments(organisation_ids):
    """Baseline year of each organisation's Partner VCFSE commitment, where it has made one."""
    return dict(PartnerCommitment.objects.filter(organisation__in=organisation_ids).values_list("organisation_id", "baseline_year"))


def reporter_section(memberships, today):
    """Returns due, overdue, sent back and in progress for the organisations the person reports for."""
    organisations = [m.organisation for m in memberships if m.role in REPORTING_ROLES]
    if not organisations:
        return None
    due = returns_due(organisations, today=today)
    overdue, coming = due.overdue(), due.not_overdue()
    counts = Return.objects.filter(organisation__in=organisations).aggregate(
        drafts=Count("pk", filter=Q(status=ReturnStatus.DRAFT)),
        changes=Count("pk", filter=Q(status=ReturnStatus.CHANGES_REQUESTED)),
        submitted=Count("pk", filter=Q(status=ReturnStatus.SUBMITTED)),
    )
    changes = list(
        Return.objects.filter(organisation__in=organisations, status=ReturnStatus.CHANGES_REQUESTED)
        .select_related("organisation", "contract")
        .order_by("year", "quarter")[:SHOWN]
    ) if counts["changes"] else []
    return {
        "organisations": organisations,
        "due": coming[:SHOWN],
        "due_count": coming.count(),
        "overdue": overdue[:SHOWN],
        "overdue_count": overdue.count(),
        "changes": changes,
        "changes_count": counts["changes"],
        "drafts_count": counts["drafts"],
        "submitted_count": counts["submitted"],
    }


def commissioner_section(user, memberships, today):
    """Returns waiting for the person's review, overdue returns on their contracts (who to chase)
    and contracts ending soon."""
    commissioning = [
        m.organisation_id for m in memberships
        if m.role in COMMISSIONING_ROLES and m.organisation.sector == Sector.PUBLIC
    ]
    commissioner_role = any(m.role == Role.COMMISSIONER for m in memberships)
    contracts = Contract.objects.filter(commissioner__in=commissioning)
    if not commissioning or not (commissioner_role or contracts.exists()):
        return None
    queue = queues.review_queue(user)
    waiting = list(queue.select_related("organisation", "contract")[: SHOWN + 1])
    waiting_count = len(waiting) if len(waiting) <= SHOWN else queue.count()
    overdue = due_on_contracts(contracts, today=today).overdue()
    ending = contracts.filter(end_date__gte=today, end_date__lte=today + dt.timedelta(days=ENDING_SOON_DAYS))
    ending_list = list(ending.select_related("supplier").order_by("end_date")[: SHOWN + 1])
    return {
        "waiting": waiting[:SHOWN],
        "waiting_count": waiting_count,
        "overdue": overdue[:SHOWN],
        "overdue_count": overdue.count(),
        "chase": sorted(name for _, name, _ in overdue.suppliers()),
        "ending": ending_list[:SHOWN],
        "ending_count": len(ending_list) if len(ending_list) <= SHOWN else ending.count(),
        "ending_days": ENDING_SOON_DAYS,
    }


def vcfse_section(memberships):
    """For VCFSE staff: what other organisations reported giving theirs, waiting for their word."""
    organisations = [
        m.organisation for m in memberships if m.role in REPORTING_ROLES and m.organisation.sector == Sector.VCFSE
    ]
    if not organisations:
        return None
    entries = ReturnLineRecipient.objects.filter(
        organisation__in=organisations, status=Confirmation.UNCONFIRMED
    ).exclude(line__return_obj__status=ReturnStatus.DRAFT)
    shown = list(
        entries.select_related("organisation", "line__measure", "line__return_obj__organisation").order_by("pk")[: SHOWN + 1]
    )
    return {
        "organisations": [
            {"organisation": o, "received_url": url_or_none("commitments:vcfse-received", o.pk)} for o in organisations
        ],
        "to_confirm": shown[:SHOWN],
        "to_confirm_count": len(shown) if len(shown) <= SHOWN else entries.count(),
    }


def icb_section(user, today):
    """For ICB staff: the latest snapshot, charter checks waiting and overdue returns system-wide."""
    if not user.is_icb:
        return None
    open_signatures = Signature.objects.filter(status__in=OPEN_STATUSES).aggregate(
        awaiting_check=Count("pk", filter=Q(status=SignatureStatus.AWAITING_CHECK)),
        claims=Count("pk", filter=Q(claims_organisation=True)),
    )
    followed = due_on_contracts(Contract.objects.all(), today=today)
    overdue = followed.overdue()
    return {
        "snapshot": latest_snapshot(),
        "dashboard_url": url_or_none("reporting:dashboard"),
        "awaiting_check": open_signatures["awaiting_check"],
        "claims": open_signatures["claims"],
        "overdue_count": overdue.count(),
        "due_count": followed.not_overdue().count(),
        "most_overdue": [(name, n) for _, name, n in overdue.suppliers(limit=SHOWN)],
        "org_wide_waiting": queues.review_queue(user).filter(contract__isnull=True).count() if user.is_icb_admin else 0,
    }


def latest_snapshot():
    """The newest built quarterly snapshot, or None (none built yet, or snapshots not landed)."""
    from reporting import models

    snapshot_model = getattr(models, "Snapshot", None)
    if snapshot_model is None:
        return None
    snapshots = snapshot_model.objects.all()
    if hasattr(snapshots, "built"):
        snapshots = snapshots.built()
    return snapshots.order_by("-year", "-quarter").first()
