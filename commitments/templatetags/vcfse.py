"""Template tags of the Partner VCFSE commitment, for pages of other apps: the charter's public
register entry loads them (``{% load vcfse %}``) so that charter never imports commitments."""

from django import template

from commitments.forms.returns import format_amount
from commitments.models import Confirmation, PartnerCommitment, ReturnLineRecipient, ReturnStatus
from commitments.vcfse_progress import progress

register = template.Library()


@register.inclusion_tag("commitments/vcfse/_public.html")
def public_commitment(organisation):
    """The organisation's commitment as the public sees it: the commitment and opportunities
    always; baselines, targets and progress only if it chose to publish its figures; recipients
    named only once they have confirmed."""
    commitment = PartnerCommitment.objects.filter(organisation=organisation).first()
    if commitment is None:
        return {"commitment": None}
    context = {"commitment": commitment, "organisation": organisation}
    if commitment.public_figures:
        rows = progress(commitment)
        for row in rows:
            row.shown_baseline = format_amount(row.measure, row.baseline.value)
            for year in row.years:
                year.shown_target = format_amount(row.measure, year.target) if year.target is not None else "–"
                year.shown_counted = format_amount(row.measure, year.delivery.counted)
                year.shown_confirmed = format_amount(row.measure, year.delivery.confirmed)
        context["rows"] = rows
        context["recipients"] = sorted(
            set(
                ReturnLineRecipient.objects.filter(
                    line__return_obj__organisation=organisation, line__return_obj__status=ReturnStatus.APPROVED,
                    status=Confirmation.CONFIRMED, organisation__isnull=False,
                ).values_list("organisation__name", flat=True)
            )
        )
    return context
