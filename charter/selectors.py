"""Reads of organisations and people, always scoped to the person asking."""

from django.http import Http404

from charter.models import Membership, Organisation


def get_organisation_for(user, pk):
    """The organisation if this person may see it privately, else 404 (never 403: no leaks)."""
    try:
        return Organisation.objects.for_user(user).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation.") from None


def members_of(user, organisation):
    return (
        Membership.objects.for_user(user)
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name")
    )


def organisations_of(user):
    """A person's own organisations with their role in each (ICB staff: their memberships too)."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )
