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


@register.simple_tag
def return_recipients(ret):
    """The return's Partner VCFSE lines with their recipients, the share named and any disputes."""
    rows = []
    lines = ret.lines.filter(measure__is_partner_vcfse=True).select_related("measure").prefetch_related(
        "recipients__organisation"
    )
    for line in lines:
        recipients = list(line.recipients.all())
        for r in recipients:
            r.shown_amount = format_amount(line.measure, r.amount)
        named = sum((r.amount for r in recipients), 0)
        rows.append(
            {
                "line": line,
                "shown_quantity": format_amount(line.measure, line.quantity),
                "recipients": recipients,
                "share": int(named / line.quantity * 100) if line.quantity else None,
                "disputed": [r for r in recipients if r.status == Confirmation.DISPUTED],
            }
        )
    return rows
