from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounting import trading as trading_rules
from ledger.models import Account, AccountKind, Lot
from quota_registry import inputs
from quota_registry.access import scope
from quota_registry.api import (
    AmountField,
    BoundedDateField,
    PriceField,
    QuantityField,
    ReadAnyoneWriteCityStaff,
    service_call,
)
from quota_registry.reference.models import Pollutant, Region
from quota_registry.review import engine
from quota_registry.review.api import DecisionRecordSerializer, WorkflowFieldsMixin, add_workflow_actions

from . import fees, prices, selectors, trades, workflows
from . import selectors as trading_selectors
from .models import Deal, PaidUseFee, PartyStatus, PermitChangeObligation, ReferencePrice, Trade, TradeParty


class ObligationSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    withdrawal = serializers.SerializerMethodField(help_text="the number of the withdrawal that transferred the quota")
    origin = serializers.CharField(source="origin_label", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PermitChangeObligation
        fields = ["id", "enterprise", "enterprise_name", "region", "withdrawal", "origin", "transferred", "destination",
                  "measure_completed_on", "approved_on", "base_date", "working_days", "due_date", "provisional",
                  "status", "overdue", "filed_at", "filing_note", "confirmed_at", "permit_number", "permit_version",
                  "recorded_measure", "recorded_reduction", "recorded_transfer", "allowed_actions", "reviews"]

    def get_withdrawal(self, obj) -> str | None:
        return obj.origin_label if obj.origin_type_id and obj.origin_type.model == "withdrawalapplication" else None

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class PermitChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Permit-change obligations (Art 17) in the caller's scope. `?state=open|due_soon|overdue|confirmed`,
    `?region=`. The enterprise files its application (`file`); a county or city reviewer confirms the changed permit
    (`confirm`): the steps of trading/workflows.py."""

    serializer_class = ObligationSerializer
    queryset = PermitChangeObligation.objects.none()

    def get_queryset(self):
        return selectors.obligations(self.request.user, state=self.request.query_params.get("state", ""),
                                     region=self.request.query_params.get("region", "")).order_by("due_date", "id")



add_workflow_actions(PermitChangeViewSet, workflows.OBLIGATION)


class ReferencePriceSerializer(serializers.ModelSerializer):
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    city = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.CharField(read_only=True)
    price = PriceField()
    effective_from = BoundedDateField()

    class Meta:
        model = ReferencePrice
        fields = ["id", "city", "pollutant", "price", "unit", "effective_from", "effective_to", "document", "entered_at"]
        read_only_fields = ["id", "effective_to", "entered_at"]
        validators = []


class ReferencePriceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Reference prices (anyone reads; city staff add their city's). `?current=1` only the prices in force today,
    `?city=<division code>` one city's (each city sets its own; with `current`, default the main city's). A new
    price closes the previous one of its factor in its city; history is kept."""

    serializer_class = ReferencePriceSerializer
    permission_classes = [ReadAnyoneWriteCityStaff]

    def get_queryset(self):
        city = self.request.query_params.get("city")
        if self.request.query_params.get("current") == "1":
            qs = prices.current(city_id=Region.objects.filter(code=city).values_list("pk", flat=True).first()
                                if city else None)
        else:
            qs = scope(self.request.user, ReferencePrice).select_related("pollutant", "city")
            qs = qs.filter(city__code=city) if city else qs
        code = self.request.query_params.get("pollutant")
        return qs.filter(pollutant__code=code) if code else qs

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        price = service_call(prices.reference_price_set, actor=request.user, pollutant=data["pollutant"],
                             price=data["price"], effective_from=data["effective_from"], document=data["document"])
        return Response(self.get_serializer(price).data, status=status.HTTP_201_CREATED)


class DealSerializer(serializers.ModelSerializer):
    buyer_name = serializers.CharField(source="buyer.name")
    deviation_percent = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        fields = ["id", "buyer", "buyer_name", "quantity", "unit_price", "amount", "reference_price",
                  "deviation_percent", "buyer_paid_at", "buyer_fee", "seller_fee", "seller_paid_at", "settled"]

    def get_deviation_percent(self, obj) -> str | None:
        d = trading_rules.deviation_percent(obj.unit_price, obj.reference_price)
        return str(d) if d is not None else None


class PartySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    qualified = serializers.SerializerMethodField(help_text="true, false, or null while pending (from `status`)")
    reviews = serializers.SerializerMethodField()

    class Meta:
        model = TradeParty
        fields = ["id", "organisation", "organisation_name", "role", "wanted_quantity", "qualification_due",
                  "status", "qualified", "reviews"]

    def get_qualified(self, obj) -> bool | None:
        return {PartyStatus.QUALIFIED: True, PartyStatus.REFUSED: False}.get(obj.status)

    def get_reviews(self, obj) -> list[dict]:
        return DecisionRecordSerializer(engine.decisions_of(obj), many=True).data


class TradeLotInSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    quantity = QuantityField()
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.filter(kind=AccountKind.ENTERPRISE), required=False, allow_null=True,
        help_text="one of the seller's project accounts (seed 003 Art 18); default: its general account")


class TradeSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    seller_name = serializers.CharField(read_only=True)
    unit_price = serializers.SerializerMethodField()
    deals = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    lots = TradeLotInSerializer(many=True, write_only=True, max_length=inputs.ALLOCATIONS)
    quantity = QuantityField(read_only=True)

    class Meta:
        model = Trade
        fields = ["id", "number", "seller", "seller_name", "pollutant", "quantity", "status", "method",
                  "suggested_method", "method_reason", "starting_price", "increment", "bidding_opens", "bidding_closes",
                  "unit_price", "contract_number", "cancel_reason", "deals", "parties", "lots", "allowed_actions",
                  "reviews", "created_at", "confirmed_at", "published_at"]
        read_only_fields = [f for f in fields if f not in ("pollutant", "lots")]

    def get_unit_price(self, obj) -> str | None:
        deals = list(obj.deals.all())
        if not deals:
            return str(obj.starting_price) if obj.method == "fixed" and obj.starting_price else None
        total_q = sum(d.quantity for d in deals)
        return str((sum(d.amount for d in deals) / total_q).quantize(Decimal("0.01")))

    def _visible_deals(self, obj):
        request = self.context.get("request")
        user = request.user if request else None
        if obj.status == "published" or (user and (user.is_city_staff or obj.seller_id == user.organisation_id)):
            return obj.deals.all()
        return obj.deals.filter(buyer_id=getattr(user, "organisation_id", None))

    def get_deals(self, obj) -> list[dict]:
        return DealSerializer(self._visible_deals(obj), many=True).data

    def get_parties(self, obj) -> list[dict]:
        request = self.context.get("request")
        user = request.user if request else None
        qs = obj.parties.select_related("organisation")
        if not (user and (user.is_city_staff or user.is_county_reviewer)):
            qs = qs.filter(organisation_id=getattr(user, "organisation_id", None))
        return PartySerializer(qs, many=True).data


class TradeFilter(filters.FilterSet):
    pollutant = filters.CharFilter(field_name="pollutant__code")

    class Meta:
        model = Trade
        fields = ["status", "method", "pollutant"]


class QualifySerializer(serializers.Serializer):
    party = serializers.IntegerField(min_value=1, help_text="a party of this trade (its `parties[].id`)")
    qualified = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=inputs.OPINION,
                                    help_text="required when the party does not qualify")


class TradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    """Trades (seed 001 procedure). The steps are the actions of trading/workflows.py (announce, interest, method,
    bid, close, contract, settle, confirm, publish, cancel; each with its own body) and `qualify` for a party; a step
    the current status does not allow is 409, one the caller may not take 403."""

    serializer_class = TradeSerializer
    filterset_class = TradeFilter
    queryset = Trade.objects.none()

    def get_queryset(self):
        return trading_selectors.trades(self.request.user).select_related("pollutant", "seller").prefetch_related(
            "deals__buyer").order_by("-created_at")

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        trade = service_call(trades.trade_create, actor=request.user, pollutant=body.validated_data["pollutant"],
                             lots=[(row["lot"], row["quantity"], row.get("account"))
                                   for row in body.validated_data["lots"]])
        return Response(self.get_serializer(trade).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QualifySerializer, responses=TradeSerializer)
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        """The qualification of a party to the trade by its county bureau or the city (seed 001 Arts 13, 15): the
        party kind's steps `qualify` / `refuse` (trading/workflows.py), reached through its trade."""
        trade = self.get_object()
        body = QualifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        party = trade.parties.filter(pk=body.validated_data["party"]).first()
        if party is None:
            raise serializers.ValidationError({"party": [_("Choose a party of this trade.")]})
        engine.perform(actor=request.user, model=TradeParty, pk=party.pk,
                       action="qualify" if body.validated_data["qualified"] else "refuse",
                       data={"opinion": body.validated_data["opinion"]})
        return Response(self.get_serializer(self.get_object()).data)


add_workflow_actions(TradeViewSet, workflows.TRADE)


class FeeSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    quantity = QuantityField()
    amount_due = AmountField()
    due_date = BoundedDateField()
    outstanding = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = PaidUseFee
        fields = ["id", "number", "enterprise", "enterprise_name", "pollutant", "quantity", "account", "origin_label",
                  "basis", "amount_due", "amount_paid", "outstanding", "due_date", "last_paid_on", "receipts",
                  "status", "waive_reason", "created_at", "allowed_actions", "reviews"]
        read_only_fields = ["id", "number", "account", "amount_paid", "last_paid_on", "receipts", "status",
                            "waive_reason", "created_at"]


class FeeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Paid-use fees (seed 001 Art 21) in the caller's scope; `?status=due|paid|waived`. City staff record one
    (POST); the payments (`pay`) and a waiver (`waive`) are the steps of trading/workflows.py. An enterprise with a
    fee not paid in full cannot offer, announce or transfer quota of that factor."""

    serializer_class = FeeSerializer
    queryset = PaidUseFee.objects.none()

    def get_queryset(self):
        qs = scope(self.request.user, PaidUseFee.objects.select_related("enterprise", "pollutant")).order_by(
            "-created_at", "-id")
        wanted = self.request.query_params.get("status", "")
        return qs.filter(status=wanted) if wanted else qs

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        fee = service_call(fees.fee_create, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(fee).data, status=status.HTTP_201_CREATED)


add_workflow_actions(FeeViewSet, workflows.FEE)
