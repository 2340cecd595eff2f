"""Reads of organisations, people and signatures, always scoped to the person asking."""

from django.db.models import Count, Q
from django.http import Http404

from charter.models import Membership, Organisation, Place, Sector, Signature
from common.generations import Generation


def get_organisation_for(user, pk):
    """The organisation if this person may see it privately, else 404 (never 403: no leaks)."""
    try:
        return Organisation.objects.for_user(user).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation.") from None


def get_signature_for(user, pk):
    try:
        return Signature.objects.for_user(user).select_related("organisation", "version").get(pk=pk)
    except (Signature.DoesNotExist, ValueError, TypeError):
        raise Http404("No such signature.") from None


def members_of(user, organisation):
    return (
        Membership.objects.for_user(user)
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name")
    )


def organisations_of(user):
    """A person's own organisations with their role in each."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def register_entries(*, q="", place="", sector="", kind=""):
    """Live, visible signatures for the public register, filtered as asked."""
    # Of the charter version only its number: its text and lists would ride along in every row
    # (and every row of the sort), once per signatory.
    entries = (
        Signature.objects.on_register()
        .select_related("organisation", "version")
        .defer(
            "version__title", "version__summary", "version__body", "version__commitment_statement",
            "version__principles", "version__priorities",
        )
    )
    if q:
        entries = _searched(entries, q)
    if place:
        entries = entries.filter(organisation__place=place)
    if sector:
        entries = entries.filter(organisation__sector=sector)
    if kind:
        entries = entries.filter(organisation__kind=kind)
    return entries.order_by("organisation__name")


SEARCH_FOUND_AT_MOST = 500  # matches found through the indexes; more, and the whole register is filtered


def _searched(entries, q):
    """``entries`` narrowed to signatures whose organisation's name or identifier, or whose own
    statement, matches ``q``.

    Most searches match a few organisations: their signatures are found through each side's own
    index (trigram indexes on PostgreSQL) and named by id, so the page and its count read only
    them. A search matching more than a few hundred filters the register as a whole instead.
    """
    register = Signature.objects.on_register().order_by()
    by_name = register.filter(organisation__in=Organisation.objects.filter(_named(q)).values("pk"))
    by_statement = register.filter(statement__icontains=q)
    found = list(
        by_name.values_list("pk", flat=True).union(by_statement.values_list("pk", flat=True), all=True)[
            : SEARCH_FOUND_AT_MOST + 1
        ]
    )
    if len(found) <= SEARCH_FOUND_AT_MOST:
        return entries.filter(pk__in=set(found))
    return entries.filter(_named(q, "organisation__") | Q(statement__icontains=q))


def _named(q, prefix=""):
    """An organisation (reached through ``prefix``) whose name holds ``q`` or whose Companies
    House, charity or ODS number is ``q``."""
    code = q.replace(" ", "").upper()
    return Q(**{f"{prefix}name__icontains": q}) | Q(**{
        f"{prefix}{field}": code for field in ("companies_house_number", "charity_number", "ods_code")
    }, _connector=Q.OR)


# The register's counts, cached until a signature or an organisation changes (charter/apps.py
# connects ``REGISTER.changed`` to their saves and deletes); ten minutes at most as a safety net.
REGISTER = Generation("charter:register", seconds=600)


def register_counts():
    """How many organisations have signed, by place and by sector (every choice, zeros too).
    Counting every live signature on each view of the register grows with it, so the counts are
    cached until a signature or an organisation changes."""
    return REGISTER.remember("counts", _register_counts)


def _register_counts():
    live = Signature.objects.on_register()
    by_place = dict(live.values_list("organisation__place").annotate(n=Count("pk")))
    by_sector = dict(live.values_list("organisation__sector").annotate(n=Count("pk")))
    return {
        "total": sum(by_place.values()),
        "by_place": [(value, label, by_place.get(value, 0)) for value, label in Place.choices],
        "by_sector": [(value, label, by_sector.get(value, 0)) for value, label in Sector.choices],
    }


def public_entry(slug):
    """An organisation's public page: only while it has a live, visible signature."""
    signature = (
        Signature.objects.on_register().select_related("organisation", "version")
        .filter(organisation__slug=slug).first()
    )
    if signature is None:
        raise Http404("This organisation is not on the register.")
    return signature


def organisations_reported_for(user):
    """The organisations this person reports for (reporter or organisation admin)."""
    from charter.models import REPORTING_ROLES

    if not user.is_authenticated:
        return Organisation.objects.none()
    ids = Membership.objects.filter(user=user, role__in=REPORTING_ROLES).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def organisations_commissioned_for(user):
    """The public bodies this person records contracts for and commissions on behalf of."""
    from charter.models import COMMISSIONING_ROLES

    if not user.is_authenticated:
        return Organisation.objects.none()
    ids = Membership.objects.filter(user=user, role__in=COMMISSIONING_ROLES).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids, sector=Sector.PUBLIC).order_by("name")
