"""Trading: the method rule, bidding allocation (ties by time), the fixed price rule, never selling more
than is held (also concurrently), settlement gating confirmation, reference prices and deviation."""
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting import trading as rules
from ledger import services as ledger
from ledger.models import AccountKind
from ledger.verification import verify
from trading.models import Deal, ReferencePrice, Trade
from trading.services import obligations_of

URL = "/api/v1/trades/"
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def method(reserve, buyers, wanted, offered=5, green=False):
    return rules.suggest_method(seller_is_reserve=reserve, qualified_buyers=buyers, wanted=Decimal(wanted),
                                offered=Decimal(offered), green_channel=green).method


def test_method_rule():
    assert method(True, 1, 1) == "bidding"  # the reserve sells by bidding in principle
    assert method(False, 2, 6) == "bidding"  # two buyers wanting more than offered
    assert method(False, 2, 5) == "negotiated"  # wanting no more than offered
    assert method(False, 1, 9) == "negotiated"  # a single buyer
    assert method(True, 3, 9, green=True) == "fixed"


def test_bidding_allocation_by_price_then_time():
    bids = [rules.BidIn(1, Decimal("1200"), T0 + dt.timedelta(minutes=5), Decimal("4")),
            rules.BidIn(2, Decimal("1300"), T0 + dt.timedelta(minutes=9), Decimal("3")),
            rules.BidIn(3, Decimal("1200"), T0 + dt.timedelta(minutes=1), Decimal("4")),
            rules.BidIn(4, Decimal("1100"), T0, Decimal("10"))]
    assert rules.allocate_bids(bids, Decimal("8")) == [(2, Decimal("3")), (3, Decimal("4")), (1, Decimal("1"))]


def test_bid_price_steps():
    assert rules.bid_problem(Decimal("1000"), starting_price=Decimal("1000"), increment=Decimal("50")) is None
    assert rules.bid_problem(Decimal("1150"), starting_price=Decimal("1000"), increment=Decimal("50")) is None
    assert rules.bid_problem(Decimal("1020"), starting_price=Decimal("1000"), increment=Decimal("50"))
    assert rules.bid_problem(Decimal("900"), starting_price=Decimal("1000"), increment=Decimal("50"))


def test_fixed_price_is_the_historical_maximum():
    assert rules.fixed_price([Decimal("1200"), Decimal("1350.50"), Decimal("900")]) == Decimal("1350.50")
    with pytest.raises(ValueError):
        rules.fixed_price([])


def test_deviation():
    assert rules.deviation_percent(Decimal("1100"), Decimal("1000")) == Decimal("10.00")
    assert rules.deviation_percent(Decimal("950"), Decimal("1000")) == Decimal("-5.00")
    assert rules.deviation_percent(Decimal("950"), None) is None


def test_reference_prices_history(api, api_as, demo):
    city = api_as("city_reviewer")
    first = city.post("/api/v1/reference-prices/", {"pollutant": "SO2", "price": "1000", "effective_from": "2025-01-01",
                                                    "document": "曲环发〔2025〕1号"}, format="json")
    assert first.status_code == 201 and first.json()["unit"] == "元/吨"
    second = city.post("/api/v1/reference-prices/", {"pollutant": "SO2", "price": "1200", "effective_from": "2026-01-01",
                                                     "document": "曲环发〔2026〕1号"}, format="json")
    assert second.status_code == 201
    assert ReferencePrice.objects.get(pk=first.json()["id"]).effective_to == dt.date(2025, 12, 31)
    backdated = city.post("/api/v1/reference-prices/", {"pollutant": "SO2", "price": "1100", "effective_from": "2025-06-01",
                                                        "document": "x"}, format="json")
    assert backdated.status_code == 400 and "effective_from" in backdated.json()
    pb = city.post("/api/v1/reference-prices/", {"pollutant": "PB", "price": "80", "effective_from": "2026-01-01",
                                                 "document": "x"}, format="json")
    assert pb.json()["unit"] == "元/千克"
    assert api_as("ent_qilin").post("/api/v1/reference-prices/", {"pollutant": "SO2", "price": "1", "effective_from":
                                                                 "2027-01-01", "document": "x"}, format="json").status_code == 403
    current = api.get("/api/v1/reference-prices/?current=1").json()["results"]
    assert {(p["pollutant"], p["price"]) for p in current} == {("SO2", "1200.00"), ("PB", "80.00")}
    assert len(api.get("/api/v1/reference-prices/?pollutant=SO2").json()["results"]) == 2


@pytest.fixture
def reserve_trade(make_lot, api_as, demo):
    """A reserve sale of 10 t SO2, announced, with two qualified buyers."""
    lot = make_lot("10", pollutant="SO2")
    city = api_as("city_reviewer")
    trade = city.post(URL, {"pollutant": "SO2", "lots": [{"lot": lot.pk, "quantity": "10"}]}, format="json").json()
    assert trade["status"] == "applied"
    assert city.post(f"{URL}{trade['id']}/announce/", {}, format="json").json()["status"] == "announced"
    for buyer, county in (("ent_huize", "county_huize"), ("ent_xuanwei", "county_xuanwei")):
        api_as(buyer).post(f"{URL}{trade['id']}/interest/", {"wanted_quantity": "8"}, format="json")
        party = Trade.objects.get(pk=trade["id"]).parties.get(organisation=demo[buyer].organisation)
        r = api_as(county).post(f"{URL}{trade['id']}/qualify/", {"party": party.pk, "qualified": True}, format="json")
        assert r.status_code == 200, r.json()
    return trade, lot


def test_reserve_bidding_sale_end_to_end(reserve_trade, api_as, api, demo):
    trade, lot = reserve_trade
    pk = trade["id"]
    city = api_as("city_reviewer")
    assert ledger.balance(ledger.account(AccountKind.HOLD), lot) == Decimal("10")  # held since the announcement
    now = timezone.now()
    body = {"starting_price": "1000", "increment": "50", "bidding_opens": (now - dt.timedelta(minutes=1)).isoformat(),
            "bidding_closes": (now + dt.timedelta(hours=1)).isoformat()}
    r = city.post(f"{URL}{pk}/method/", body, format="json").json()
    assert (r["method"], r["status"]) == ("bidding", "trading")
    # government reserve quota is sold by public bidding in principle (seed 001 Art 17(3))
    assert r["suggested_method"] == "bidding" and "第十七条第三项" in r["method_reason"]
    assert api_as("ent_huize").post(f"{URL}{pk}/bid/", {"quantity": "8", "unit_price": "1020"}, format="json").status_code == 400
    assert api_as("ent_huize").post(f"{URL}{pk}/bid/", {"quantity": "8", "unit_price": "1100"}, format="json").status_code == 200
    bid = {"quantity": "5", "unit_price": "1150"}
    assert api_as("ent_xuanwei").post(f"{URL}{pk}/bid/", bid, format="json").status_code == 200
    assert api_as("ent_qilin").post(f"{URL}{pk}/bid/", {"quantity": "5", "unit_price": "2000"}, format="json").status_code == 403
    assert city.post(f"{URL}{pk}/close/", {}, format="json").status_code == 400  # window still open
    Trade.objects.filter(pk=pk).update(bidding_closes=now - dt.timedelta(seconds=1))
    closed = city.post(f"{URL}{pk}/close/", {}, format="json").json()
    assert closed["status"] == "traded"
    assert sorted((d["buyer_name"], d["quantity"], d["unit_price"]) for d in closed["deals"]) == [
        ("会泽示范铅锌冶炼有限公司", "5.0000", "1100.00"), ("宣威示范发电有限公司", "5.0000", "1150.00")]
    city.post(f"{URL}{pk}/contract/", {"contract_number": "QJPW-2026-001"}, format="json")
    approver = api_as("city_approver")
    assert approver.post(f"{URL}{pk}/confirm/", {}, format="json").status_code == 409  # not settled
    for deal in Deal.objects.filter(trade_id=pk):
        assert city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "seller_paid_at": now.isoformat()},
                         format="json").status_code == 400  # seller is paid after the buyer
        city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "buyer_paid_at": now.isoformat(), "buyer_fee": "50"},
                  format="json")
        assert approver.post(f"{URL}{pk}/confirm/", {}, format="json").status_code == 409  # still not settled
        city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "seller_paid_at": now.isoformat()}, format="json")
    confirmed = approver.post(f"{URL}{pk}/confirm/", {}, format="json").json()
    assert confirmed["status"] == "confirmed"
    huize = ledger.account(AccountKind.ENTERPRISE, demo["ent_huize"].organisation)
    assert ledger.balance(huize, lot) == Decimal("5") and ledger.balance(ledger.account(AccountKind.HOLD), lot) == 0
    assert obligations_of(Trade.objects.get(pk=pk)).filter(enterprise=lot.enterprise).exists()
    assert verify().ok
    assert api.get(f"{URL}{pk}/").status_code == 401  # not yet published: the public API needs login here
    city.post(f"{URL}{pk}/publish/", {}, format="json")
    public = api_as("ent_qilin").get(f"{URL}{pk}/").json()
    assert public["status"] == "published" and len(public["deals"]) == 2 and public["unit_price"] == "1125.00"


def test_negotiated_sale_by_an_enterprise_needs_its_qualification(make_lot, api_as, demo):
    lot = make_lot("20", pollutant="NOX")
    seller = demo["ent_qilin"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.account(AccountKind.POOL),
                                                             ledger.account(AccountKind.ENTERPRISE, seller), Decimal("6"))])
    ent = api_as("ent_qilin")
    too_much = ent.post(URL, {"pollutant": "NOX", "lots": [{"lot": lot.pk, "quantity": "7"}]}, format="json")
    assert too_much.status_code == 400
    trade = ent.post(URL, {"pollutant": "NOX", "lots": [{"lot": lot.pk, "quantity": "6"}]}, format="json").json()
    city = api_as("city_reviewer")
    assert city.post(f"{URL}{trade['id']}/announce/", {}, format="json").status_code == 400  # seller not qualified
    seller_party = Trade.objects.get(pk=trade["id"]).parties.get(role="seller")
    assert seller_party.qualification_due > timezone.localdate()
    assert api_as("county_huize").post(f"{URL}{trade['id']}/qualify/", {"party": seller_party.pk, "qualified": True},
                                       format="json").status_code == 404  # an unannounced offer of another county
    api_as("county_qilin").post(f"{URL}{trade['id']}/qualify/", {"party": seller_party.pk, "qualified": True}, format="json")
    city.post(f"{URL}{trade['id']}/announce/", {}, format="json")
    api_as("ent_huize").post(f"{URL}{trade['id']}/interest/", {"wanted_quantity": "4"}, format="json")
    party = Trade.objects.get(pk=trade["id"]).parties.get(role="buyer")
    api_as("city_reviewer").post(f"{URL}{trade['id']}/qualify/", {"party": party.pk, "qualified": True}, format="json")
    override = city.post(f"{URL}{trade['id']}/method/", {"method": "bidding"}, format="json")
    assert override.status_code == 400 and "reason" in override.json()
    method = city.post(f"{URL}{trade['id']}/method/", {}, format="json").json()
    assert method["method"] == "negotiated"
    deal = city.post(f"{URL}{trade['id']}/close/", {"buyer": demo["ent_huize"].organisation.pk, "quantity": "4",
                                                    "unit_price": "900"}, format="json").json()
    assert deal["deals"][0]["amount"] == "3600.00"
    assert ledger.balance(ledger.account(AccountKind.ESCROW), lot) == Decimal("6")  # the seller's, not the reserve's


def test_fixed_sale_needs_a_bidding_history(reserve_trade, api_as):
    trade, _lot = reserve_trade
    response = api_as("city_reviewer").post(f"{URL}{trade['id']}/method/", {"method": "fixed", "reason": "重大项目绿色通道"},
                                            format="json")
    assert response.status_code == 400 and "method" in response.json()


def test_cancel_releases_the_hold(reserve_trade, api_as):
    trade, lot = reserve_trade
    city = api_as("city_reviewer")
    assert city.post(f"{URL}{trade['id']}/cancel/", {"reason": ""}, format="json").status_code == 400
    assert city.post(f"{URL}{trade['id']}/cancel/", {"reason": "无人竞买"}, format="json").json()["status"] == "cancelled"
    assert ledger.balance(ledger.account(AccountKind.POOL), lot) == Decimal("10")
    assert city.post(f"{URL}{trade['id']}/announce/", {}, format="json").status_code == 409


def test_the_same_quota_cannot_be_offered_twice(make_lot, api_as):
    lot = make_lot("10", pollutant="SO2")
    city = api_as("city_reviewer")
    first = city.post(URL, {"pollutant": "SO2", "lots": [{"lot": lot.pk, "quantity": "8"}]}, format="json").json()
    second = city.post(URL, {"pollutant": "SO2", "lots": [{"lot": lot.pk, "quantity": "8"}]}, format="json").json()
    assert city.post(f"{URL}{first['id']}/announce/", {}, format="json").status_code == 200
    response = city.post(f"{URL}{second['id']}/announce/", {}, format="json")
    assert response.status_code == 400 and Trade.objects.get(pk=second["id"]).status == "applied"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_announcements_never_oversell():
    from quota_registry.orgs.models import User
    from quota_registry.review import engine
    from tests.conftest import _ensure_demo
    from trading import trades

    _ensure_demo()
    from ledger.models import Lot
    from quota_registry.reference.models import Pollutant

    org = User.objects.get(username="ent_qilin").organisation
    lot = Lot(number="CONC-T", pollutant=Pollutant.objects.get(code="SO2"), quantity=Decimal("10"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + dt.timedelta(days=30))
    ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
    city = User.objects.get(username="city_reviewer")
    offers = [trades.trade_create(actor=city, pollutant=lot.pollutant, lots=[(lot, Decimal("3"))]) for _ in range(8)]
    results, barrier = [], threading.Barrier(8)

    def announce(trade):
        from django.db import connection

        barrier.wait()
        try:
            engine.perform(actor=city, model=Trade, pk=trade.pk, action="announce")
            results.append("ok")
        except ledger.InsufficientQuantity:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=announce, args=(t,)) for t in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3 and results.count("refused") == 5
    assert ledger.balance(ledger.account(AccountKind.POOL), lot) == Decimal("1")
    assert verify().ok


def sell_between_enterprises(api_as, demo, lot, *, seller, buyer, offered, sold, price="820"):
    """An enterprise's negotiated sale, from the offer to the confirmation, through the API; returns the trade."""
    trade = api_as(seller).post(URL, {"pollutant": lot.pollutant.code, "lots": [{"lot": lot.pk, "quantity": offered}]},
                                format="json").json()
    pk, city = trade["id"], api_as("city_reviewer")
    seller_party = Trade.objects.get(pk=pk).parties.get(role="seller")
    county = {"ent_qilin": "county_qilin", "ent_huize": "county_huize", "ent_xuanwei": "county_xuanwei"}[seller]
    api_as(county).post(f"{URL}{pk}/qualify/", {"party": seller_party.pk, "qualified": True}, format="json")
    assert city.post(f"{URL}{pk}/announce/", {}, format="json").status_code == 200
    api_as(buyer).post(f"{URL}{pk}/interest/", {"wanted_quantity": sold}, format="json")
    buyer_party = Trade.objects.get(pk=pk).parties.get(role="buyer")
    city.post(f"{URL}{pk}/qualify/", {"party": buyer_party.pk, "qualified": True}, format="json")
    city.post(f"{URL}{pk}/method/", {}, format="json")
    city.post(f"{URL}{pk}/close/", {"buyer": demo[buyer].organisation.pk, "quantity": sold, "unit_price": price},
              format="json")
    city.post(f"{URL}{pk}/contract/", {"contract_number": f"QJPW-2026-{pk:03d}"}, format="json")
    now = timezone.now()
    for deal in Deal.objects.filter(trade_id=pk):
        city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "buyer_paid_at": now.isoformat()}, format="json")
        city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "seller_paid_at": now.isoformat()}, format="json")
    response = api_as("city_approver").post(f"{URL}{pk}/confirm/", {}, format="json")
    assert response.status_code == 200, response.json()
    return Trade.objects.get(pk=pk)


def test_a_resale_gives_the_permit_change_obligation_to_the_seller(make_lot, api_as, demo):
    """Seed 000 Art 17, seed 001 guide Art 6: the transferor changes its permit. ent_xuanwei's reduction was bought by
    ent_qilin, which resells 3.5 of its 7 to ent_huize: the obligation is ent_qilin's, not ent_xuanwei's."""
    lot = make_lot("12", pollutant="NOX", enterprise="ent_xuanwei")
    reseller, original = demo["ent_qilin"].organisation, demo["ent_xuanwei"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.account(AccountKind.POOL),
                                                             ledger.account(AccountKind.ENTERPRISE, reseller), Decimal("7"))])
    trade = sell_between_enterprises(api_as, demo, lot, seller="ent_qilin", buyer="ent_huize", offered="7", sold="3.5")
    obligations = obligations_of(trade)
    assert list(obligations.values_list("enterprise", flat=True)) == [reseller.pk]
    assert not obligations.filter(enterprise=original).exists()
    assert obligations.get().transferred[0]["quantity"] == "3.5000"
    assert ledger.balance(ledger.account(AccountKind.ENTERPRISE, reseller), lot) == Decimal("3.5")  # unsold: back


def test_a_trade_between_enterprises_moves_nothing_in_the_reserve(make_lot, api_as, demo):
    """Seed 002's one-ledger counts the reserve: an enterprise's sale is held apart from the reserve (ESCROW), so the
    month's report shows no reserve flow for it, and still ties out."""
    from reserve.reports import compute, period_of

    lot = make_lot("40", pollutant="VOCS", enterprise="ent_xuanwei")
    owner = demo["ent_qilin"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.account(AccountKind.POOL),
                                                             ledger.account(AccountKind.ENTERPRISE, owner), Decimal("9"))])
    today = timezone.localdate()
    start, end, _label = period_of(year=today.year, month=today.month)
    before = next(line for line in compute(start, end)["lines"] if line["pollutant"].code == "VOCS")
    sell_between_enterprises(api_as, demo, lot, seller="ent_qilin", buyer="ent_huize", offered="9", sold="6.25")
    after = compute(start, end)
    line = next(line for line in after["lines"] if line["pollutant"].code == "VOCS")
    assert after["ties_out"]
    assert {k: line[k] for k in ("entered", "withdrawn", "transferred", "other", "closing")} == {
        k: before[k] for k in ("entered", "withdrawn", "transferred", "other", "closing")}
    assert line["closing"] == Decimal("31")  # 40 issued, 9 sold to ent_qilin before; the resale is not the reserve's
    assert ledger.balance(ledger.account(AccountKind.ENTERPRISE, demo["ent_huize"].organisation), lot) == Decimal("6.25")
    assert ledger.balance(ledger.account(AccountKind.ESCROW), lot) == 0 and verify().ok
