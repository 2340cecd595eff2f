"""Models of the commitments app: contracts and their TOM commitments, and the quarterly returns
that report against them."""

from commitments.models.contracts import Commitment, Contract
from commitments.models.returns import (
    CaseStudy,
    Evidence,
    ReminderKind,
    Return,
    ReturnLine,
    ReturnReminder,
    ReturnStatus,
)
from commitments.models.vcfse import (
    Baseline,
    BaselineMethod,
    Confirmation,
    OpportunityKind,
    PartnerCommitment,
    ReturnLineRecipient,
    Target,
)

__all__ = [
    "Baseline",
    "BaselineMethod",
    "CaseStudy",
    "Commitment",
    "Confirmation",
    "Contract",
    "Evidence",
    "OpportunityKind",
    "PartnerCommitment",
    "ReminderKind",
    "Return",
    "ReturnLine",
    "ReturnLineRecipient",
    "ReturnReminder",
    "ReturnStatus",
    "Target",
]
