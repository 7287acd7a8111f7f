"""Seed 001 Art 5: the government buys quota back into the reserve (收储/回购): a trade whose buyer is the reserve; on
confirmation the quota enters the pool, the one-ledger report counts it as added to the reserve, and the seller
changes its permit like any transferor."""
from decimal import Decimal

from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind
from ledger.verification import verify
from trading.models import Deal, Trade
from trading.services import obligations_of

URL = "/api/v1/trades/"


def test_the_reserve_buys_an_enterprises_offer_back(make_lot, api_as, demo):
    from reserve.reports import compute, period_of

    lot = make_lot("30", pollutant="NH3N", enterprise="ent_xuanwei")
    seller = demo["ent_qilin"].organisation
    general = ledger.account(AccountKind.ENTERPRISE, seller)
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), general,
                                                             Decimal("7.5"))])
    today = timezone.localdate()
    start, end, _label = period_of(year=today.year, month=today.month)
    before = next(x for x in compute(start, end)["lines"] if x["pollutant"].code == "NH3N")

    pk = api_as("ent_qilin").post(URL, {"pollutant": "NH3N", "lots": [{"lot": lot.pk, "quantity": "7.5"}]},
                                  format="json").json()["id"]
    trade = Trade.objects.get(pk=pk)
    api_as("county_qilin").post(f"{URL}{pk}/qualify/", {"party": trade.parties.get().pk, "qualified": True},
                                format="json")
    city, approver = api_as("city_reviewer"), api_as("city_approver")
    assert city.post(f"{URL}{pk}/announce/", {}, format="json").status_code == 200
    assert city.post(f"{URL}{pk}/buy-back/", {"wanted_quantity": "7.5", "opinion": "x"},
                     format="json").status_code == 403  # the approver decides
    no_reason = approver.post(f"{URL}{pk}/buy-back/", {"wanted_quantity": "7.5"}, format="json")
    assert no_reason.status_code == 400
    too_much = approver.post(f"{URL}{pk}/buy-back/", {"wanted_quantity": "7.5001", "opinion": "收储用于重点项目"},
                             format="json")
    assert too_much.status_code == 400 and "wanted_quantity" in too_much.json()
    assert approver.post(f"{URL}{pk}/buy-back/", {"wanted_quantity": "7.5", "opinion": "收储用于重点项目"},
                         format="json").status_code == 200
    bureau = demo["city_approver"].organisation
    assert trade.parties.get(organisation=bureau).status == "qualified"
    assert approver.post(f"{URL}{pk}/buy-back/", {"wanted_quantity": "1", "opinion": "再次"},
                         format="json").status_code == 400  # once

    assert city.post(f"{URL}{pk}/method/", {}, format="json").status_code == 200
    assert Trade.objects.get(pk=pk).method == "negotiated"  # a single buyer (seed 001 Art 17(2))
    city.post(f"{URL}{pk}/close/", {"buyer": bureau.pk, "unit_price": "2400"}, format="json")
    city.post(f"{URL}{pk}/contract/", {"contract_number": "QJSC-2026-001"}, format="json")
    deal = Deal.objects.get(trade_id=pk)
    now = timezone.now().isoformat()
    city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "buyer_paid_at": now, "seller_paid_at": now}, format="json")
    assert approver.post(f"{URL}{pk}/confirm/", {}, format="json").status_code == 200

    assert ledger.balance(general, lot) == 0
    assert ledger.balance(ledger.pool("530300"), lot) == Decimal("30")  # 22.5 left + 7.5 bought back
    assert deal.amount == Decimal("18000.00")
    after = next(x for x in compute(start, end)["lines"] if x["pollutant"].code == "NH3N")
    assert after["entered"] - before["entered"] == Decimal("7.5") and after["closing"] - before["closing"] == Decimal(
        "7.5")
    assert list(obligations_of(Trade.objects.get(pk=pk)).values_list("enterprise", flat=True)) == [seller.pk]
    assert verify().ok
