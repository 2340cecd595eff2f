"""Recording contracts and their commitments."""

from django.db import transaction

from charter.models import COMMISSIONING_ROLES
from commitments.models import Commitment, Contract


class ContractError(Exception):
    """A contract change cannot go ahead; str(error) says why."""


def can_commission_for(user, organisation):
    return (
        user.is_authenticated
        and user.memberships.filter(organisation=organisation, role__in=COMMISSIONING_ROLES).exists()
        and organisation.sector == "public"
    )


@transaction.atomic
def record_contract(user, *, commissioner, commitments=(), **fields):
    """Create a contract with its commitments: [(measure, target_quantity, financial_year or None)]."""
    if not can_commission_for(user, commissioner):
        raise ContractError(f"Only {commissioner.name}'s commissioners can record its contracts.")
    contract = Contract(commissioner=commissioner, created_by=user, **fields)
    contract.full_clean()
    contract.save()
    for measure, target, year in commitments:
        commitment = Commitment(contract=contract, measure=measure, target_quantity=target, financial_year=year)
        commitment.full_clean()
        commitment.save()
    return contract


@transaction.atomic
def set_commitment(user, contract, measure, target_quantity, financial_year=None):
    if not can_commission_for(user, contract.commissioner):
        raise ContractError("Only the commissioner can change a contract's commitments.")
    commitment, _ = Commitment.objects.update_or_create(
        contract=contract,
        measure=measure,
        financial_year=financial_year,
        defaults={"target_quantity": target_quantity},
    )
    return commitment
