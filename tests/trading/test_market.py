"""The public market statistics (issue 18): per quarter and factor the published deals, quantity, amount and the
volume-weighted average price against the reference price; unpublished deals are not counted."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting import trading as rules
from trading import market
from trading.models import Deal, ReferencePrice


@pytest.mark.parametrize(("amount", "quantity", "average"), [
    (Decimal("5390.00"), Decimal("6.5"), Decimal("829.23")),  # 829.2307...
    (Decimal("1000.01"), Decimal("2"), Decimal("500.01")),  # 500.005 rounds half up
    (Decimal("0.00"), Decimal("0"), None),
])
def test_the_average_price_is_the_amount_over_the_quantity(amount, quantity, average):
    assert rules.average_price(amount, quantity) == average


def test_quarters_back_cross_the_year():
    assert rules.quarters_back(dt.date(2026, 2, 10), 3) == [(2025, 3), (2025, 4), (2026, 1)]


@pytest.fixture
def sold(make_lot, api_as, demo):
    """Two negotiated NOx sales of ent_qilin confirmed now (2.5 at 700, 4 at 910); the first published."""
    from ledger import services as ledger
    from ledger.models import AccountKind
    from tests.trading.test_trades import sell_between_enterprises

    ReferencePrice.objects.create(city=demo["city_reviewer"].organisation.region,
                                  pollutant=make_lot("1", pollutant="NOX").pollutant, price=Decimal("800"),
                                  effective_from=dt.date(2020, 1, 1), document="曲环价〔2020〕1号")
    owner = demo["ent_qilin"].organisation
    trades = []
    for quantity, sold_q, price in (("5", "2.5", "700"), ("4", "4", "910")):
        lot = make_lot("20", pollutant="NOX", enterprise="ent_xuanwei")
        ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                                 ledger.account(AccountKind.ENTERPRISE, owner),
                                                                 Decimal(quantity))])
        trades.append(sell_between_enterprises(api_as, demo, lot, seller="ent_qilin", buyer="ent_huize",
                                               offered=quantity, sold=sold_q, price=price))
    return trades


def test_only_published_deals_count(sold, api_as, client):
    today = timezone.localdate()
    assert market.quarterly(today) == []  # confirmed, not yet published
    api_as("city_reviewer").post(f"/api/v1/trades/{sold[0].pk}/publish/", {}, format="json")
    [row] = market.quarterly(today)
    assert (row["deals"], row["quantity"], row["amount"], row["average"]) == (1, Decimal("2.5"), Decimal("1750.00"),
                                                                               Decimal("700.00"))
    assert row["reference"] == Decimal("800") and row["deviation"] == Decimal("-12.50")
    api_as("city_reviewer").post(f"/api/v1/trades/{sold[1].pk}/publish/", {}, format="json")
    [row] = market.quarterly(today)
    assert (row["deals"], row["quantity"], row["average"]) == (2, Decimal("6.5"), Decimal("829.23"))
    year, quarter = rules.quarter_of(today)
    assert row["quarter"] == f"{year}年第{quarter}季度"
    page = client.get("/market/").content.decode()  # public
    assert "829.23 元/吨" in page and "5,390.00" in page and "market-data" in page
    assert Deal.objects.count() == 2
