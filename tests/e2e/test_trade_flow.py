"""Issue 7's acceptance path: city staff run a bidding sale of reserve quota, two enterprises bid, and the
deal appears on the public page."""
import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import decide, login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reserve_bidding_sale(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    from django.utils import timezone

    from ledger import services as ledger
    from ledger.models import Lot
    from quota_registry.orgs.models import User
    from quota_registry.reference.models import Pollutant
    from trading.models import Trade

    org = User.objects.get(username="ent_qilin").organisation
    lot = Lot(number="ZB-TRADE-1", pollutant=Pollutant.objects.get(code="SO2"), quantity=Decimal("10"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + dt.timedelta(days=400))
    ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
    base = live_server.url
    page.on("dialog", lambda d: d.accept())

    login(page, base, "city_reviewer")
    page.goto(base + "/trades/new/")
    page.fill(f"input[aria-label$=\"{lot.number}\"]", "10")
    page.get_by_role("button", name="保存挂牌").click()
    page.wait_for_url("**/trades/*/")
    detail = page.url
    decide(page, "announce")  # the announcement period the form proposes (10 working days)
    assert "已公告" in page.inner_text("h1")
    assert "公告期至" in page.get_by_test_id("notice").inner_text()  # and the notice's due day (seed 001 Art 17)
    logout(page)

    for buyer, county in (("ent_huize", "county_huize"), ("ent_xuanwei", "county_xuanwei")):
        login(page, base, buyer)
        page.goto(detail)
        decide(page, "interest", wanted_quantity="8")
        logout(page)
        login(page, base, county)
        page.goto(detail)
        org_id = User.objects.get(username=buyer).organisation_id
        decide(page, "qualify", within=page.locator(f"tr.offers[data-party='{org_id}']"))
        assert "资格审核通过" in page.locator(f"tr[data-party='{org_id}']").first.inner_text()
        logout(page)

    Trade.objects.update(announcement_ends=timezone.localdate() - dt.timedelta(days=1))  # the period has passed
    login(page, base, "city_reviewer")
    page.goto(detail)
    now = timezone.localtime()
    assert "公开竞价" in page.get_by_test_id("suggestion").inner_text()  # the reserve sells by bidding (Art 17)
    decide(page, "method", starting_price="1000", increment="50",
           bidding_opens=(now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
           bidding_closes=(now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    assert Trade.objects.get().method == "bidding"
    assert "已于" in page.get_by_test_id("notice").inner_text()  # the trade notice, issued today
    shoot(page, "trade_flow-notice")
    logout(page)

    for buyer, quantity, price, shown in (("ent_huize", "8", "1100", "1,100.00"),
                                          ("ent_xuanwei", "5", "1150", "1,150.00")):
        login(page, base, buyer)
        page.goto(detail)
        decide(page, "bid", quantity=quantity, unit_price=price)
        assert shown in page.get_by_test_id("bids").inner_text()  # prices grouped in thousands, two decimals
        live = page.get_by_test_id("live")  # refreshed by the page itself: the highest price and one's own rank
        expect(live).to_contain_text(shown)
        expect(live.locator("[data-live=mine]")).to_contain_text("1 /")
        if buyer == "ent_xuanwei":
            assert "会泽" not in live.inner_text()  # the other bidder is not named
            shoot(page, "trade_flow-live-bidding")
        logout(page)

    Trade.objects.update(bidding_closes=timezone.now() - dt.timedelta(seconds=1))  # the window has passed
    login(page, base, "city_reviewer")
    page.goto(detail)
    decide(page, "close")
    assert "已成交" in page.inner_text("h1")
    decide(page, "contract", contract_number="QJPW-2026-001")
    Trade.objects.update(created_at=timezone.now() - dt.timedelta(days=3))  # applied for three days ago
    paid, paid_out = (timezone.localtime() - dt.timedelta(days=d) for d in (2, 1))
    for index in range(2):
        decide(page, "settle", deal=index, buyer_paid_at=paid.strftime("%Y-%m-%dT%H:%M"), buyer_fee="50",
               seller_paid_at=paid_out.strftime("%Y-%m-%dT%H:%M"))
    assert "已结算" in page.inner_text("h1")
    assert "5个工作日" in page.get_by_test_id("seller-payment").first.inner_text()  # seed 001 Art 20
    shoot(page, "trade_flow-settled")
    logout(page)

    login(page, base, "city_approver")
    page.goto(detail)
    decide(page, "confirm")
    decide(page, "publish")
    assert "已公开" in page.inner_text("h1")
    logout(page)

    page.goto(base + "/public/")
    trades = page.get_by_test_id("public-trades").inner_text()
    assert "会泽示范铅锌冶炼有限公司" in trades and "宣威示范发电有限公司" in trades and "1,150.00" in trades
    shoot(page, "trade_flow-public-trades")
