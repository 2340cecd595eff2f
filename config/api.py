"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from charter.api import SignatoryViewSet
from commitments.api.contracts import ContractViewSet
from commitments.api.returns import ReturnViewSet
from commitments.api.vcfse import PartnerCommitmentViewSet, ReturnLineRecipientsViewSet
from config.api_auth import TokenViewSet
from reporting.api import SnapshotViewSet
from toms.api import MeasureViewSet, ThemeViewSet

router = DefaultRouter()
router.register("measures", MeasureViewSet, basename="measure")
router.register("themes", ThemeViewSet, basename="theme")
router.register("signatories", SignatoryViewSet, basename="signatory")
router.register("contracts", ContractViewSet, basename="contract")
router.register("returns", ReturnViewSet, basename="return")
router.register("partner-commitments", PartnerCommitmentViewSet, basename="partner-commitment")
router.register("return-line-recipients", ReturnLineRecipientsViewSet, basename="return-line-recipients")
router.register("token", TokenViewSet, basename="token")
router.register("snapshots", SnapshotViewSet, basename="snapshot")
