from decimal import Decimal

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounting import trading as trading_rules
from ledger.models import Lot
from quota_registry import inputs
from quota_registry.access import scope
from quota_registry.api import (
    AmountField,
    BoundedDateField,
    BoundedDateTimeField,
    PriceField,
    QuantityField,
    ReadAnyoneWriteCityStaff,
    service_call,
)
from quota_registry.reference.models import Pollutant

from . import prices, selectors, services, trades
from . import selectors as trading_selectors
from .models import Deal, PermitChangeObligation, ReferencePrice, Trade, TradeMethod, TradeParty


class ObligationSerializer(serializers.ModelSerializer):
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
                  "recorded_measure", "recorded_reduction", "recorded_transfer"]

    def get_withdrawal(self, obj) -> str | None:
        return obj.origin_label if obj.origin_type_id and obj.origin_type.model == "withdrawalapplication" else None

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class FileSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=inputs.FILES_PER_REQUEST)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=inputs.NOTE)


def _obligation_max(name: str) -> int:
    return PermitChangeObligation._meta.get_field(name).max_length


class ConfirmSerializer(serializers.Serializer):
    permit_number = serializers.CharField(max_length=_obligation_max("permit_number"))
    permit_version = serializers.CharField(max_length=_obligation_max("permit_version"))
    recorded_measure = serializers.CharField(max_length=_obligation_max("recorded_measure"))
    recorded_reduction = serializers.CharField(max_length=_obligation_max("recorded_reduction"))
    recorded_transfer = serializers.CharField(max_length=_obligation_max("recorded_transfer"))


class PermitChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Permit-change obligations (Art 17) in the caller's scope. `?state=open|due_soon|overdue|confirmed`,
    `?region=`. The enterprise files its application; a county or city reviewer confirms the changed permit."""

    serializer_class = ObligationSerializer
    queryset = PermitChangeObligation.objects.none()

    def get_queryset(self):
        return selectors.obligations(self.request.user, state=self.request.query_params.get("state", ""),
                                     region=self.request.query_params.get("region", "")).order_by("due_date", "id")

    @extend_schema(request={"multipart/form-data": FileSerializer})
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def file(self, request, pk=None):
        obligation = self.get_object()
        body = FileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service_call(services.obligation_file, actor=request.user, pk=obligation.pk, **body.validated_data)
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        obligation = self.get_object()
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service_call(services.obligation_confirm, actor=request.user, pk=obligation.pk, **body.validated_data)
        return Response(self.get_serializer(self.get_object()).data)


class ReferencePriceSerializer(serializers.ModelSerializer):
    pollutant = serializers.SlugRelatedField(slug_field="code", queryset=Pollutant.objects.all())
    unit = serializers.CharField(read_only=True)
    price = PriceField()
    effective_from = BoundedDateField()

    class Meta:
        model = ReferencePrice
        fields = ["id", "pollutant", "price", "unit", "effective_from", "effective_to", "document", "entered_at"]
        read_only_fields = ["id", "effective_to", "entered_at"]
        validators = []


class ReferencePriceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Reference prices (anyone reads; city staff add). `?current=1` only the prices in force today.
    A new price closes the previous one of its factor; history is kept."""

    serializer_class = ReferencePriceSerializer
    permission_classes = [ReadAnyoneWriteCityStaff]

    def get_queryset(self):
        if self.request.query_params.get("current") == "1":
            qs = prices.current()
        else:
            qs = scope(self.request.user, ReferencePrice).select_related("pollutant")
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

    class Meta:
        model = TradeParty
        fields = ["id", "organisation", "organisation_name", "role", "wanted_quantity", "qualification_due",
                  "qualified", "opinion", "decided_at"]


class TradeLotInSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    quantity = QuantityField()


class TradeSerializer(serializers.ModelSerializer):
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
                  "unit_price", "contract_number", "deals", "parties", "lots", "created_at", "confirmed_at",
                  "published_at"]
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


class StepSerializer(serializers.Serializer):
    wanted_quantity = QuantityField(required=False)
    party = serializers.IntegerField(required=False, min_value=1)
    qualified = serializers.BooleanField(required=False)
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=inputs.OPINION)
    method = serializers.ChoiceField(choices=TradeMethod.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=inputs.REASON)
    starting_price = PriceField(required=False)
    increment = PriceField(required=False)
    bidding_opens = BoundedDateTimeField(required=False)
    bidding_closes = BoundedDateTimeField(required=False)
    quantity = QuantityField(required=False)
    unit_price = PriceField(required=False)
    buyer = serializers.IntegerField(required=False, min_value=1)
    contract_number = serializers.CharField(required=False, max_length=Trade._meta.get_field("contract_number").max_length)
    deal = serializers.IntegerField(required=False, min_value=1)
    buyer_paid_at = BoundedDateTimeField(required=False, past=True)
    seller_paid_at = BoundedDateTimeField(required=False, past=True)
    buyer_fee = AmountField(required=False)
    seller_fee = AmountField(required=False)


def _make_step(name):
    def step(self, request, pk=None):
        return self._act(name, request, pk)

    step.__name__ = name
    return extend_schema(request=StepSerializer, responses=TradeSerializer)(
        action(detail=True, methods=["post"], url_path=name, url_name=name)(step))



class TradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    """Trades (seed 001 procedure). Steps are actions: interest, qualify, announce, method, bid, close,
    contract, settle, confirm, publish, cancel; a step the current status does not allow is 409."""

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
                             lots=[(row["lot"], row["quantity"]) for row in body.validated_data["lots"]])
        return Response(self.get_serializer(trade).data, status=status.HTTP_201_CREATED)

    def _step(self, request, pk, fn):
        body = StepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service_call(fn, body.validated_data, self.get_object())
        return Response(self.get_serializer(self.get_object()).data)

    interest = _make_step("interest")
    qualify = _make_step("qualify")
    announce = _make_step("announce")
    method = _make_step("method")
    bid = _make_step("bid")
    close = _make_step("close")
    contract = _make_step("contract")
    settle = _make_step("settle")
    confirm = _make_step("confirm")
    publish = _make_step("publish")
    cancel = _make_step("cancel")

    def _act(self, name, request, pk):
        user = request.user
        calls = {
            "interest": lambda d, t: trades.trade_interest(actor=user, pk=t.pk, wanted=d.get("wanted_quantity")),
            "qualify": lambda d, t: trades.trade_qualify(actor=user, party_id=_party_of(t, d.get("party")),
                                                         qualified=d.get("qualified", False), opinion=d["opinion"]),
            "announce": lambda d, t: trades.trade_announce(actor=user, pk=t.pk),
            "method": lambda d, t: trades.trade_set_method(
                actor=user, pk=t.pk, method=d.get("method"), reason=d["reason"], starting_price=d.get("starting_price"),
                increment=d.get("increment"), opens=d.get("bidding_opens"), closes=d.get("bidding_closes")),
            "bid": lambda d, t: trades.trade_bid(actor=user, pk=t.pk, quantity=d.get("quantity"),
                                                 unit_price=d.get("unit_price")),
            "close": lambda d, t: trades.trade_close(actor=user, pk=t.pk, buyer=_org(d.get("buyer")),
                                                     quantity=d.get("quantity"), unit_price=d.get("unit_price")),
            "contract": lambda d, t: trades.trade_contract(actor=user, pk=t.pk, contract_number=d.get("contract_number")),
            "settle": lambda d, t: trades.trade_settle(
                actor=user, deal_id=_deal_of(t, d.get("deal")), buyer_paid_at=d.get("buyer_paid_at"),
                seller_paid_at=d.get("seller_paid_at"), buyer_fee=d.get("buyer_fee"), seller_fee=d.get("seller_fee")),
            "confirm": lambda d, t: trades.trade_confirm(actor=user, pk=t.pk),
            "publish": lambda d, t: trades.trade_publish(actor=user, pk=t.pk),
            "cancel": lambda d, t: trades.trade_cancel(actor=user, pk=t.pk, reason=d.get("reason", "")),
        }
        return self._step(request, pk, calls[name])


def _party_of(trade, pk):
    party = trade.parties.filter(pk=pk).first()
    if party is None:
        raise serializers.ValidationError({"party": ["not a party of this trade"]})
    return party.pk


def _deal_of(trade, pk):
    deal = trade.deals.filter(pk=pk).first()
    if deal is None:
        raise serializers.ValidationError({"deal": ["not a deal of this trade"]})
    return deal.pk


def _org(pk):
    from quota_registry.orgs.models import Organisation

    return Organisation.objects.filter(pk=pk).first() if pk else None
