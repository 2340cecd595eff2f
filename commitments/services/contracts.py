"""Recording contracts and their commitments."""

from django.core.exceptions import ValidationError
from django.db import transaction

from charter.models import COMMISSIONING_ROLES
from commitments.models import Commitment, Contract
from common.bounds import decimal_limit_problem


class ContractError(Exception):
    """A contract change cannot go ahead; str(error) says why."""


class SupplierKeptError(ContractError):
    """The contract has returns, so its supplier cannot change."""


def supplier_kept_message(contract):
    return (
        f"Contract {contract.reference} has returns from {contract.supplier.name}, so it keeps its supplier: "
        "end this contract and record a new one with the new supplier."
    )


def supplier_change_refusal(contract, supplier):
    """Why the recorded ``contract`` may not pass to ``supplier``, or None if it may.

    A contract with returns keeps its supplier: otherwise the new supplier would see, and be
    credited with, the old one's figures. This is the one definition of the rule, used by the
    contract form, the API and the spreadsheet import.
    """
    if contract.pk is None or supplier is None:
        return None
    supplier_id = getattr(supplier, "pk", supplier)
    if supplier_id == contract.supplier_id:
        return None
    current = Contract.objects.select_related("supplier").only("reference", "supplier__name").get(pk=contract.pk)
    if supplier_id == current.supplier_id or not current.returns.exists():
        return None
    return supplier_kept_message(current)


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


CHANGEABLE_FIELDS = {"supplier", "reference", "title", "value", "start_date", "end_date", "places_served"}


@transaction.atomic
def update_contract(user, contract, **fields):
    """Change a recorded contract's details (never its commissioner); refuses a new supplier once
    the contract has returns (SupplierKeptError) and anything the model refuses (ValidationError)."""
    if not can_commission_for(user, contract.commissioner):
        raise ContractError(f"Only {contract.commissioner.name}'s commissioners can change this contract.")
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise ContractError(f"A contract's {', '.join(sorted(unknown))} cannot be changed.")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    refusal = supplier_change_refusal(contract, fields.get("supplier"))
    if refusal:
        raise SupplierKeptError(refusal)
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean(exclude=["created_by"])
    contract.save()
    return contract


@transaction.atomic
def set_commitment(user, contract, measure, target_quantity, financial_year=None):
    if not can_commission_for(user, contract.commissioner):
        raise ContractError("Only the commissioner can change a contract's commitments.")
    problem = decimal_limit_problem(Commitment, "target_quantity", target_quantity, what="target")
    if problem:
        raise ValidationError({"target_quantity": problem})
    commitment, _ = Commitment.objects.update_or_create(
        contract=contract,
        measure=measure,
        financial_year=financial_year,
        defaults={"target_quantity": target_quantity},
    )
    return commitment
