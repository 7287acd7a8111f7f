"""/api/v1/: the REST contract of ../shared/API.md."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from ledger import public_api as log_api
from quota_registry.notifications.api import NotificationViewSet
from quota_registry.orgs.api import MeView, OrganisationViewSet
from quota_registry.orgs.token import ObtainToken, TokenViewSet
from quota_registry.reference.api import (
    IndustryViewSet,
    PollutantViewSet,
    QualityStatusViewSet,
    RegionViewSet,
    WatershedViewSet,
)
from reserve.api import (
    BalanceView,
    DocumentViewSet,
    EntryApplicationViewSet,
    LedgerViewSet,
    LotViewSet,
    OneLedgerView,
    PrecheckView,
    TransferViewSet,
    WithdrawalApplicationViewSet,
)
from reserve.public_api import PublicChainView, PublicLedgerView, PublicOneLedgerView
from trading.api import FeeViewSet, PermitChangeViewSet, ReferencePriceViewSet, TradeViewSet

router = DefaultRouter()
router.register("pollutants", PollutantViewSet)
router.register("regions", RegionViewSet)
router.register("watersheds", WatershedViewSet)
router.register("industries", IndustryViewSet)
router.register("quality-status", QualityStatusViewSet)
router.register("organisations", OrganisationViewSet)
router.register("notifications", NotificationViewSet)
router.register("entry-applications", EntryApplicationViewSet)
router.register("withdrawal-applications", WithdrawalApplicationViewSet)
router.register("lots", LotViewSet)
router.register("documents", DocumentViewSet, basename="document")
router.register("permit-changes", PermitChangeViewSet, basename="permit-change")
router.register("reference-prices", ReferencePriceViewSet, basename="reference-price")
router.register("trades", TradeViewSet, basename="trade")
router.register("paid-use-fees", FeeViewSet, basename="fee")
router.register("ledger", LedgerViewSet)
router.register("transfers", TransferViewSet, basename="citytransfer")
router.register("auth/tokens", TokenViewSet, basename="api-token-own")

urlpatterns = [
    path("auth/token/", ObtainToken.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("balances/", BalanceView.as_view(), name="api-balances"),
    path("precheck/", PrecheckView.as_view(), name="api-precheck"),
    path("public/ledger/", PublicLedgerView.as_view(), name="api-public-ledger"),
    path("public/ledger/chain/", PublicChainView.as_view(), name="api-public-chain"),
    path("one-ledger/", OneLedgerView.as_view(), name="api-one-ledger"),
    path("public/one-ledger/", PublicOneLedgerView.as_view(), name="api-public-one-ledger"),
    path("public/log/checkpoint", log_api.CheckpointView.as_view(), name="api-log-checkpoint"),
    path("public/log/key", log_api.KeyView.as_view(), name="api-log-key"),
    path("public/log/leaves/", log_api.LeavesView.as_view(), name="api-log-leaves"),
    path("public/log/proof/inclusion/", log_api.InclusionView.as_view(), name="api-log-inclusion"),
    path("public/log/proof/consistency/", log_api.ConsistencyView.as_view(), name="api-log-consistency"),
    path("log/openings/", log_api.OpeningsView.as_view(), name="api-log-openings"),
    path("public/log/cosign", log_api.CosignView.as_view(), name="api-log-cosign"),
    *router.urls,
]
