"""Issue 7's acceptance path: city staff run a bidding sale of reserve quota, two enterprises bid, and the
deal appears on the public page."""
import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import _ensure_demo
from tests.e2e.test_entry_flow import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def step(page, name):
    page.locator(f"[data-step={name}] button[type=submit], button[data-step={name}]").first.click()
    page.wait_for_load_state()


def test_reserve_bidding_sale(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    from django.utils import timezone

    from ledger import services as ledger
    from ledger.models import AccountKind, Lot
    from quota_registry.orgs.models import User
    from quota_registry.reference.models import Pollutant
    from trading.models import Trade

    org = User.objects.get(username="ent_qilin").organisation
    lot = Lot.objects.create(number="ZB-TRADE-1", pollutant=Pollutant.objects.get(code="SO2"), quantity=Decimal("10"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + dt.timedelta(days=400))
    ledger.post(actor=None, kind="issue", legs=[ledger.Leg(lot, ledger.account(AccountKind.SOURCE),
                                                           ledger.account(AccountKind.POOL), Decimal("10"))])
    base = live_server.url
    page.on("dialog", lambda d: d.accept())

    login(page, base, "city_reviewer")
    page.goto(base + "/trades/new/")
    page.fill(f"input[name=lot-{lot.pk}]", "10")
    page.get_by_role("button", name="保存挂牌").click()
    page.wait_for_url("**/trades/*/")
    detail = page.url
    step(page, "announce")
    assert "已公告" in page.inner_text("h1")
    logout(page)

    for buyer, county in (("ent_huize", "county_huize"), ("ent_xuanwei", "county_xuanwei")):
        login(page, base, buyer)
        page.goto(detail)
        page.fill("[data-step=interest] input[name=wanted_quantity]", "8")
        step(page, "interest")
        logout(page)
        login(page, base, county)
        page.goto(detail)
        org_id = User.objects.get(username=buyer).organisation_id
        page.locator(f"[data-step=qualify-{org_id}] button[value='1']").click()
        page.wait_for_load_state()
        logout(page)

    login(page, base, "city_reviewer")
    page.goto(detail)
    now = timezone.localtime()
    page.fill("input[name=starting_price]", "1000")
    page.fill("input[name=increment]", "50")
    page.fill("input[name=bidding_opens]", (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=bidding_closes]", (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    step(page, "method")
    assert Trade.objects.get().method == "bidding"
    logout(page)

    for buyer, quantity, price in (("ent_huize", "8", "1100"), ("ent_xuanwei", "5", "1150")):
        login(page, base, buyer)
        page.goto(detail)
        page.fill("[data-step=bid] input[name=quantity]", quantity)
        page.fill("[data-step=bid] input[name=unit_price]", price)
        step(page, "bid")
        assert price in page.get_by_test_id("bids").inner_text()
        logout(page)

    Trade.objects.update(bidding_closes=timezone.now() - dt.timedelta(seconds=1))  # the window has passed
    login(page, base, "city_reviewer")
    page.goto(detail)
    step(page, "close")
    assert "已成交" in page.inner_text("h1")
    page.fill("[data-step=contract] input[name=contract_number]", "QJPW-2026-001")
    step(page, "contract")
    for _ in range(2):
        page.locator("button[data-step=buyer-paid]").first.click()
        page.wait_for_load_state()
        page.locator("button[data-step=seller-paid]").first.click()
        page.wait_for_load_state()
    assert "已结算" in page.inner_text("h1")
    logout(page)

    login(page, base, "city_approver")
    page.goto(detail)
    step(page, "confirm")
    step(page, "publish")
    assert "已公开" in page.inner_text("h1")
    logout(page)

    page.goto(base + "/public/")
    trades = page.get_by_test_id("public-trades").inner_text()
    assert "会泽示范铅锌冶炼有限公司" in trades and "宣威示范发电有限公司" in trades and "1150.00" in trades
    page.screenshot(path=str(tmp_path / "public-trades.png"), full_page=True)
