"""GET /api/v1/public/ledger/ (no login): the published ledger."""
from django.core.paginator import Paginator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import public

Q4 = {"max_digits": 20, "decimal_places": 4}


class PublicBalanceSerializer(serializers.Serializer):
    pollutant = serializers.CharField()
    pollutant_name = serializers.CharField()
    unit = serializers.CharField()
    region = serializers.CharField()
    region_name = serializers.CharField()
    issued = serializers.DecimalField(**Q4)
    available = serializers.DecimalField(**Q4)
    held = serializers.DecimalField(**Q4)
    planned = serializers.DecimalField(**Q4)


class PublicLotSerializer(serializers.Serializer):
    number = serializers.CharField()
    pollutant = serializers.CharField(source="pollutant.code")
    unit = serializers.CharField(source="pollutant.unit")
    origin_region = serializers.CharField(source="region.name")
    watershed = serializers.CharField(source="watershed.name", default=None)
    source_kind = serializers.CharField(source="get_source_kind_display")
    quantity = serializers.DecimalField(**Q4)
    available = serializers.DecimalField(**Q4)
    status = serializers.CharField()
    earmarked = serializers.BooleanField()
    valid_until = serializers.DateField()


class PublicMovementSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(source="transaction.sequence")
    time = serializers.DateTimeField(source="transaction.created_at")
    kind = serializers.CharField(source="transaction.kind")
    lot = serializers.CharField(source="lot.number")
    pollutant = serializers.CharField(source="lot.pollutant.code")
    quantity = serializers.DecimalField(**Q4)
    from_account = serializers.SerializerMethodField()
    to_account = serializers.SerializerMethodField()

    def get_from_account(self, obj) -> str:
        return public.account_label(obj.from_account)

    def get_to_account(self, obj) -> str:
        return public.account_label(obj.to_account)


class PublicDealSerializer(serializers.Serializer):
    number = serializers.CharField(source="application.number")
    project = serializers.CharField(source="application.project_name")
    enterprise = serializers.CharField(source="application.applicant.name")
    region = serializers.CharField(source="application.region.name")
    pollutant = serializers.CharField(source="pollutant.code")
    unit = serializers.CharField(source="pollutant.unit")
    quantity = serializers.DecimalField(source="required", **Q4)
    ratio = serializers.DecimalField(max_digits=6, decimal_places=2)
    approved_at = serializers.DateTimeField(source="application.decided_at")


class PublicTradeSerializer(serializers.Serializer):
    trade = serializers.CharField(source="trade.number")
    method = serializers.CharField(source="trade.method")
    seller = serializers.CharField(source="trade.seller_name")
    buyer = serializers.CharField(source="buyer.name")
    pollutant = serializers.CharField(source="trade.pollutant.code")
    unit = serializers.CharField(source="trade.pollutant.unit")
    quantity = serializers.DecimalField(**Q4)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    reference_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    deviation_percent = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="trade.published_at")

    def get_deviation_percent(self, obj) -> str | None:
        from accounting.trading import deviation_percent

        d = deviation_percent(obj.unit_price, obj.reference_price)
        return str(d) if d is not None else None


class PublicPriceSerializer(serializers.Serializer):
    pollutant = serializers.CharField(source="pollutant.code")
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.CharField()
    effective_from = serializers.DateField()
    document = serializers.CharField()


class OneLedgerRowSerializer(serializers.Serializer):
    """A row of the province's one-ledger: a city's pool (or, with `city` null, the province's sum) for a factor."""

    month = serializers.CharField(source="row.month")
    city = serializers.CharField(source="city.code", default=None)
    city_name = serializers.CharField(source="city.name", default=None)
    pollutant = serializers.CharField(source="factor.code")
    unit = serializers.CharField(source="factor.unit")
    opening = serializers.DecimalField(source="row.opening", **Q4)
    added = serializers.DecimalField(source="row.added", **Q4)
    used = serializers.DecimalField(source="row.used", **Q4)
    transferred_in = serializers.DecimalField(source="row.transferred_in", **Q4)
    transferred_out = serializers.DecimalField(source="row.transferred_out", **Q4)
    closing = serializers.DecimalField(source="row.closing", **Q4)


ONE_LEDGER_PARAMETERS = [OpenApiParameter("year", int, description="default this year"),
                         OpenApiParameter("month", str, description="YYYY-MM of `year`; default its last month")]


def one_ledger_response(request, *, city_ids=None) -> Response:
    """The one-ledger of `year` and `month` (reserve.province.page): the months there are, which cities reported
    the month, as of when a month not yet reported was summed, and the rows."""
    from . import province

    found = province.page(year=request.query_params.get("year"), month=request.query_params.get("month", ""),
                          city_ids=city_ids)
    return Response({"year": found["year"], "month": found["month"], "months": found["months"],
                     "reported": [c.code for c in found["reported"]], "as_of": found["as_of"],
                     "rows": OneLedgerRowSerializer([{"row": r, "city": c, "factor": f} for r, c, f in found["rows"]],
                                                    many=True).data})


class PublicOneLedgerView(APIView):
    """The province's one-ledger (一本账, seed 002), public: per factor and city, the month's opening, added, used,
    transferred in and out, and closing, from the cities' ledgers (the same figures as /public/province/)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(parameters=ONE_LEDGER_PARAMETERS, responses=None)
    def get(self, request):
        return one_ledger_response(request)


class PublicLedgerView(APIView):
    """The published ledger (Art 24): balances per factor and county, lots (page `lots_page`), recent
    movements, approved withdrawals, and the chain head with how to verify it. Cached for a minute."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[OpenApiParameter("lots_page", int)], responses=None)
    def get(self, request):
        summary = public.ledger_summary()
        lots = Paginator(public.public_lots(), 100).get_page(request.query_params.get("lots_page"))
        return Response({
            "balances": PublicBalanceSerializer(summary["balances"], many=True).data,
            "lots": {"count": lots.paginator.count, "page": lots.number, "pages": lots.paginator.num_pages,
                     "results": PublicLotSerializer(lots.object_list, many=True).data},
            "movements": PublicMovementSerializer(public.recent_movements(), many=True).data,
            "deals": PublicDealSerializer(public.published_deals(), many=True).data,
            "trades": PublicTradeSerializer(public.published_trades(), many=True).data,
            "reference_prices": PublicPriceSerializer(public.current_prices(), many=True).data,
            "chain_head": summary["chain_head"], "how_to_verify": str(public.VERIFY_HOWTO),
            "generated_at": summary["generated_at"],
        })


class PublicChainView(APIView):
    """What went into every transaction's hash, from sequence `from` (500 at a time)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[OpenApiParameter("from", int)], responses=None)
    def get(self, request):
        try:
            start = max(1, int(request.query_params.get("from", 1)))
        except ValueError:
            raise serializers.ValidationError({"from": ["a sequence number"]}) from None
        rows = public.chain(start)
        return Response({"from": start, "count": len(rows), "transactions": rows,
                         "next": f"?from={rows[-1]['sequence'] + 1}" if len(rows) == 500 else None})
