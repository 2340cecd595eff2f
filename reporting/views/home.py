"""The home page: the public front door for visitors; for a signed-in person, what needs them now
in each of their roles (reporter or organisation admin, commissioner, VCFSE staff, ICB)."""

import datetime as dt

from django.shortcuts import render

from charter.models import Organisation, Place
from reporting import homes
from toms.models import Measure, Outcome, Theme


def home(request):
    if request.user.is_authenticated:
        return role_home(request)
    context = {
        "theme_count": Theme.objects.count(),
        "outcome_count": Outcome.objects.count(),
        "measure_count": Measure.objects.active().count(),
        "places": [label for value, label in Place.choices if value != Place.OUTSIDE],
        "organisation_count": Organisation.objects.count(),
    }
    return render(request, "reporting/home.html", context)


def role_home(request):
    user = request.user
    today = dt.date.today()
    memberships = homes.memberships_of(user)
    context = {
        "today": today,
        "memberships": memberships,
        "cards": homes.organisation_cards(memberships),
        "reporter": homes.reporter_section(memberships, today),
        "commissioner": homes.commissioner_section(user, memberships, today),
        "vcfse": homes.vcfse_section(memberships),
        "icb": homes.icb_section(user, today),
    }
    return render(request, "reporting/home_signed_in.html", context)
