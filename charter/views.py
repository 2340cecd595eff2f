"""Pages about organisations and people: home, your organisations, an organisation."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from charter.models import ROLE_DESCRIPTIONS, Organisation, Place, Role
from charter.selectors import get_organisation_for, members_of, organisations_of
from toms.models import Measure, Outcome, Theme


def home(request):
    context = {
        "theme_count": Theme.objects.count(),
        "outcome_count": Outcome.objects.count(),
        "measure_count": Measure.objects.active().count(),
        "places": [label for value, label in Place.choices if value != Place.OUTSIDE],
        "organisation_count": Organisation.objects.count(),
    }
    return render(request, "charter/home.html", context)


@login_required
def organisation_list(request):
    memberships = organisations_of(request.user)
    context = {"memberships": memberships, "role_descriptions": ROLE_DESCRIPTIONS}
    return render(request, "charter/organisation_list.html", context)


@login_required
def organisation_detail(request, pk):
    organisation = get_organisation_for(request.user, pk)
    role = request.user.role_in(organisation)
    context = {
        "organisation": organisation,
        "role": Role(role) if role else None,
        "role_description": ROLE_DESCRIPTIONS.get(role) if role else None,
        "members": members_of(request.user, organisation),
        "live_signature": organisation.live_signature,
    }
    return render(request, "charter/organisation_detail.html", context)
