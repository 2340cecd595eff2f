"""Reads of the TOM framework for the catalogue and the API."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from toms.models import Measure, Outcome, Theme


def framework_tree():
    """Themes with their outcomes and active measures, in three queries whatever the size."""
    measures = Measure.objects.active().order_by("order", "code")
    outcomes = Outcome.objects.order_by("order", "name").prefetch_related(
        Prefetch("measures", queryset=measures)
    )
    return (
        Theme.objects.order_by("order", "name")
        .annotate(measure_count=Count("outcomes__measures", filter=Q(outcomes__measures__is_active=True)))
        .prefetch_related(Prefetch("outcomes", queryset=outcomes))
    )


def search_measures(query):
    """Active measures whose code, title or outcome matches, in code-number order."""
    from toms.codes import natural_code_key

    squashed = query.replace(" ", "")
    matches = (
        Measure.objects.active().with_structure()
        .filter(
            Q(code__iexact=squashed) | Q(code__istartswith=squashed) | Q(title__icontains=query)
            | Q(outcome__name__icontains=query) | Q(unit__icontains=query)
        )
    )
    return sorted(matches, key=lambda m: (m.code.upper() != squashed.upper(), natural_code_key(m.code)))


def get_measure(code):
    try:
        return Measure.objects.with_structure().get(code__iexact=code)
    except Measure.DoesNotExist:
        raise Http404("No measure with that code.") from None
