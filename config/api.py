"""The /api/v1/ router: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from charter.api import SignatoryViewSet
from commitments.api import ContractViewSet
from config.api_auth import TokenViewSet
from toms.api import MeasureViewSet, ThemeViewSet
from toms.return_api import ReturnViewSet

router = DefaultRouter()
router.register("measures", MeasureViewSet, basename="measure")
router.register("themes", ThemeViewSet, basename="theme")
router.register("signatories", SignatoryViewSet, basename="signatory")
router.register("contracts", ContractViewSet, basename="contract")
router.register("returns", ReturnViewSet, basename="return")
router.register("token", TokenViewSet, basename="token")
