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
    assert ledger.balance(ledger.held("530300"), lot) == Decimal("10")  # held since the announcement
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
    assert ledger.balance(huize, lot) == Decimal("5") and ledger.balance(ledger.held("530300"), lot) == 0
    assert obligations_of(Trade.objects.get(pk=pk)).filter(enterprise=lot.enterprise).exists()
    assert verify().ok
    assert api.get(f"{URL}{pk}/").status_code == 401  # not yet published: the public API needs login here
    city.post(f"{URL}{pk}/publish/", {}, format="json")
    public = api_as("ent_qilin").get(f"{URL}{pk}/").json()
    assert public["status"] == "published" and len(public["deals"]) == 2 and public["unit_price"] == "1125.00"


def test_negotiated_sale_by_an_enterprise_needs_its_qualification(make_lot, api_as, demo):
    lot = make_lot("20", pollutant="NOX")
    seller = demo["ent_qilin"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
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
    assert ledger.balance(ledger.pool("530300"), lot) == Decimal("10")
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
    assert ledger.balance(ledger.pool("530300"), lot) == Decimal("1")
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
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
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
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
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


def test_the_statistics_count_the_periods_trades_by_factor_and_method(make_lot, api_as, demo):
    """Seed 001 Art 23: the statistics sent to the province include the trades (count, quantity, amount) by factor
    and method: two negotiated NOx sales confirmed this month, nothing the month before."""
    from reserve.reports import period_of, trade_statistics

    owner = demo["ent_qilin"].organisation
    for quantity, sold, price in (("5", "2.5", "700"), ("4", "4", "910")):
        lot = make_lot("20", pollutant="NOX", enterprise="ent_xuanwei")
        ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                                 ledger.account(AccountKind.ENTERPRISE, owner),
                                                                 Decimal(quantity))])
        sell_between_enterprises(api_as, demo, lot, seller="ent_qilin", buyer="ent_huize", offered=quantity, sold=sold,
                                 price=price)
    today = timezone.localdate()
    start, end, _label = period_of(year=today.year, month=today.month)
    [row] = trade_statistics(start, end)
    assert (row["pollutant"], row["method"], row["trades"], row["deals"]) == ("氮氧化物", "协议转让", 2, 2)
    assert row["quantity"] == Decimal("6.5") and row["amount"] == Decimal("5390.00")  # 2.5 x 700 + 4 x 910
    previous = start - dt.timedelta(days=1)
    assert trade_statistics(*period_of(year=previous.year, month=previous.month)[:2]) == []


@pytest.mark.parametrize(("buyer_paid", "seller_paid", "due", "late"), [
    (dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC), dt.date(2026, 11, 27),
     False),  # Friday -> the fifth working day is the next Friday
    (dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC), dt.date(2026, 11, 27),
     True),
    # National Day: 30 Sep (1), the 1-7 Oct holidays, 8 Oct (2), 9 Oct (3), Saturday 10 Oct worked (4), 12 Oct (5)
    (dt.datetime(2026, 9, 29, 10, tzinfo=dt.UTC), None, dt.date(2026, 10, 12), True),
])
def test_the_seller_is_paid_within_five_working_days(buyer_paid, seller_paid, due, late, db):
    """Seed 001 Art 20(2): the settlement party pays the seller within 5 working days (China's calendar) of receiving
    the buyer's price and fees; the trade page shows the due day and says when it is late."""
    from trading.trades import seller_payment

    deal = Deal(quantity=Decimal("1"), unit_price=Decimal("1"), amount=Decimal("1"), buyer_paid_at=buyer_paid,
                seller_paid_at=seller_paid)
    result = seller_payment(deal, today=dt.date(2026, 11, 29))
    assert (result["due"], result["late"]) == (due, late)
    assert seller_payment(Deal(quantity=Decimal("1"), unit_price=Decimal("1"), amount=Decimal("1"))) is None


@pytest.mark.parametrize(("wanted", "major", "suggested"), [
    ("6", True, "fixed"),  # 6 + 8 wanted > 12.5 offered, a major project among them: the green channel
    ("4", True, "bidding"),  # 4 + 8 <= 12.5: the reserve is not scarce, bidding as usual (Art 17(3))
    ("6", False, "bidding"),  # scarce, but no major project
])
def test_green_channel_for_a_major_project_when_the_reserve_is_scarce(make_lot, api_as, demo, wanted, major,
                                                                       suggested):
    """Seed 001 Art 18: 在政府排污权储备有限的情况下，为...重大、重点扶持产业项目开辟绿色通道...按照定额出让方式进行交易."""
    lot = make_lot("12.5", pollutant="SO2")
    city = api_as("city_reviewer")
    trade = city.post(URL, {"pollutant": "SO2", "lots": [{"lot": lot.pk, "quantity": "12.5"}]}, format="json").json()
    city.post(f"{URL}{trade['id']}/announce/", {}, format="json")
    for buyer, county, amount, is_major in (("ent_huize", "county_huize", wanted, major),
                                            ("ent_xuanwei", "county_xuanwei", "8", False)):
        response = api_as(buyer).post(f"{URL}{trade['id']}/interest/",
                                      {"wanted_quantity": amount, "major_project": is_major}, format="json")
        assert response.status_code == 200, response.json()
        party = Trade.objects.get(pk=trade["id"]).parties.get(organisation=demo[buyer].organisation)
        api_as(county).post(f"{URL}{trade['id']}/qualify/", {"party": party.pk, "qualified": True}, format="json")
    from trading.trades import suggestion

    result = suggestion(Trade.objects.get(pk=trade["id"]))
    assert result.method == suggested
    if suggested == "fixed":
        assert "第十八条" in result.reason or "Art 18" in result.reason


def test_each_city_sets_its_own_reference_prices(demo, as_user):
    """Issue 19: Honghe's price does not close Qujing's; a trade reads its own city's; the page shows one city's."""
    import datetime

    from quota_registry.reference.models import Pollutant
    from trading import prices

    so2 = Pollutant.objects.get(code="SO2")
    qujing = prices.reference_price_set(actor=demo["city_admin"], pollutant=so2, price="3000",
                                        effective_from=datetime.date(2026, 1, 1), document="曲环价〔2026〕1号")
    honghe = prices.reference_price_set(actor=demo["honghe_admin"], pollutant=so2, price="2500",
                                        effective_from=datetime.date(2026, 2, 1), document="红环价〔2026〕1号")
    qujing.refresh_from_db()
    assert qujing.effective_to is None and (qujing.city.code, honghe.city.code) == ("530300", "532500")
    day = datetime.date(2026, 3, 1)
    assert prices.in_force(so2.pk, day, qujing.city_id) == Decimal("3000")
    assert prices.in_force(so2.pk, day, honghe.city_id) == Decimal("2500")
    assert [p.price for p in prices.current(day)] == [Decimal("3000")]  # the main city's on the public pages
    page = as_user("honghe_reviewer").get("/prices/").content.decode()
    assert "红环价〔2026〕1号" in page and "曲环价〔2026〕1号" not in page
