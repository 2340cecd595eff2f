"""Who has to act on which returns: a reviewer's queue, and the returns due on a commissioner's
contracts. One definition, used by the review list, the navigation's count and the role homes."""

from django.db.models import Q

from charter.models import COMMISSIONING_ROLES, Membership, Sector
from commitments.due import RETURN_FIGURES
from commitments.models import Contract, Return, ReturnStatus


def review_scope(user):
    """Returns this person reviews: on contracts their organisation commissions; organisation-wide
    returns for an ICB admin."""
    if not user.is_authenticated or not user.is_active:
        return Return.objects.none()
    commissioning = Membership.objects.filter(user=user, role__in=COMMISSIONING_ROLES).values("organisation_id")
    # Everything here is also in Return.objects.for_user (submitted returns on contracts the
    # person's organisation commissions; every return for the ICB), written directly so the
    # contracts' index serves it rather than for_user's union of everything the person may see.
    scope = Q(contract__in=Contract.objects.filter(commissioner__in=commissioning).values("pk"))
    if user.is_icb_admin:
        scope |= Q(contract__isnull=True)
    return Return.objects.filter(scope).exclude(status=ReturnStatus.DRAFT)


def own_work(user):
    """Returns this person submitted or last saved: never theirs to review (see services.returns.is_own_work)."""
    return Q(submitted_by=user) | Q(last_edited_by=user) | Q(last_edited_by__isnull=True, created_by=user)


def review_queue(user):
    """Submitted returns waiting for this person's decision, longest waiting first."""
    return (
        review_scope(user)
        .filter(status=ReturnStatus.SUBMITTED)
        .exclude(own_work(user))
        .order_by("submitted_at", "pk")
    )


def cached_count(queryset):
    """How many rows a query of returns has, cached until anything behind it changes (see
    ``RETURN_FIGURES``): the same count for the same query, however often it is asked."""
    sql, params = queryset.query.sql_with_params()
    return RETURN_FIGURES.remember(("count", queryset.db, sql, [str(p) for p in params]), queryset.count)


def waiting_count(request, known=None):
    """How many returns wait for the signed-in person's review, counted once per request: the
    navigation shows it on every page, and the returns and review lists show it too. ``known``:
    the count, where the page has already made it."""
    if known is not None:
        request._review_waiting = known
    if not hasattr(request, "_review_waiting"):
        request._review_waiting = cached_count(review_queue(request.user))
    return request._review_waiting


def is_reviewer(user):
    return user.is_authenticated and (
        user.is_icb_admin
        or Membership.objects.filter(
            user=user, role__in=COMMISSIONING_ROLES, organisation__sector=Sector.PUBLIC
        ).exists()
    )


def commissioned_contracts(user):
    """Contracts the person's organisations commission (as commissioner or organisation admin)."""
    commissioning = Membership.objects.filter(
        user=user, role__in=COMMISSIONING_ROLES, organisation__sector=Sector.PUBLIC
    ).values("organisation_id")
    return Contract.objects.filter(commissioner__in=commissioning)
