"""Celery tasks of the toms app: thin wrappers over services and selectors."""

from celery import shared_task

from toms.models import Measure


@shared_task
def framework_summary():
    """Count the loaded catalogue; used to check that a worker reaches the database."""
    return {
        "measures": Measure.objects.count(),
        "partner_vcfse": sorted(Measure.objects.partner_vcfse().values_list("code", flat=True)),
    }
