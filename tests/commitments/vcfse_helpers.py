"""Shared set-up for the Partner VCFSE tests: organisations of each sector, approved returns with
recipients, and a driver for the commitment journey's question pages."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from charter.models import Place, Role
from commitments.models import Return, ReturnLine, ReturnLineRecipient, ReturnStatus
from tests.factories import MembershipFactory, OrganisationFactory
from toms.models import Measure
from toms.periods import financial_year_of

THIS_YEAR = financial_year_of(dt.date.today())
LAST_YEAR = THIS_YEAR - 1


def admin_of(organisation):
    return MembershipFactory(organisation=organisation, role=Role.ADMIN).user


def approved_return(organisation, year, quarter, figures, *, contract=None, status=ReturnStatus.APPROVED, **extra):
    """A return with lines {code: quantity}, in the given state (default approved)."""
    ret = Return.objects.create(
        organisation=organisation, contract=contract, year=year, quarter=quarter, status=status, attested=True, **extra
    )
    for code, quantity in figures.items():
        ReturnLine.objects.create(return_obj=ret, measure=Measure.objects.get(code=code), quantity=Decimal(str(quantity)))
    return ret


def name_recipient(ret, code, amount, *, organisation=None, name="", place="", status="unconfirmed"):
    line = ret.lines.get(measure__code=code)
    return ReturnLineRecipient.objects.create(
        line=line, organisation=organisation, name=name, place=place, amount=Decimal(str(amount)), status=status
    )


def vcfse_org(place=Place.WIRRAL, **kwargs):
    return OrganisationFactory(vcfse=True, place=place, **kwargs)


class Journey:
    """Posts the commitment journey's pages as a browser would."""

    def __init__(self, client, organisation):
        self.client, self.organisation = client, organisation

    def url(self, step):
        return reverse("commitments:vcfse-make-step", args=[self.organisation.pk, step])

    def post(self, step, data, follow=True):
        payload = {f"vcfse_commitment_{self.organisation.pk}-current_step": step}
        for key, value in data.items():
            payload[f"{step}-{key}"] = value
        return self.client.post(self.url(step), payload, follow=follow)

    def start(self):
        return self.client.get(reverse("commitments:vcfse-make", args=[self.organisation.pk]), follow=True)
