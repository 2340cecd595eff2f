"""The home page: the public front door for visitors (each signed-in role gets its own home next)."""

from django.shortcuts import render

from charter.models import Organisation, Place
from toms.models import Measure, Outcome, Theme


def home(request):
    context = {
        "theme_count": Theme.objects.count(),
        "outcome_count": Outcome.objects.count(),
        "measure_count": Measure.objects.active().count(),
        "places": [label for value, label in Place.choices if value != Place.OUTSIDE],
        "organisation_count": Organisation.objects.count(),
    }
    return render(request, "reporting/home.html", context)
