"""Issue 18's acceptance path: a timed auction of reserve quota with three bidders. The city confirms their deposits on
the trade's page; they bid in the browser and each sees the highest price and its own rank refresh without the
others' names; a bid in the last minutes moves the close; at the close the deals are struck by rank, the winners'
deposits count toward the price and the loser's is released; after settlement the winner downloads the trade
confirmation with the log receipt of the transfer."""
import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import decide, login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BIDDERS = (("ent_huize", "county_huize"), ("ent_xuanwei", "county_xuanwei"), ("ent_fuyuan", "county_fuyuan"))


def test_timed_auction_with_deposits(live_server, page, transactional_db):
    _ensure_demo()
    from django.utils import timezone

    from ledger import services as ledger
    from ledger.models import Lot
    from quota_registry.orgs.models import User
    from quota_registry.reference.models import Pollutant
    from quota_registry.review import engine
    from trading import trades
    from trading.models import Deposit, DepositStatus, Trade, TradeParty

    users = {u.username: u for u in User.objects.all()}
    org = users["ent_qilin"].organisation
    lot = Lot(number="ZB-AUCTION-1", pollutant=Pollutant.objects.get(code="NOX"), quantity=Decimal("12"),
              enterprise=org, region=org.region, industry=org.industry, source_kind="reduction", status="active",
              verified_on=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=400))
    ledger.issue(actor=None, lots=[lot], subject=None)
    city = users["city_reviewer"]
    trade = trades.trade_create(actor=city, pollutant=lot.pollutant, lots=[(lot, Decimal("12"))])
    engine.perform(actor=city, model=Trade, pk=trade.pk, action="announce")
    for buyer, county in BIDDERS:
        engine.perform(actor=users[buyer], model=Trade, pk=trade.pk, action="interest", data={"wanted_quantity": "8"})
        party = trade.parties.get(organisation=users[buyer].organisation)
        engine.perform(actor=users[county], model=TradeParty, pk=party.pk, action="qualify")
    now = timezone.now()
    engine.perform(actor=city, model=Trade, pk=trade.pk, action="method", data={
        "starting_price": "1000", "increment": "50", "deposit_amount": "8000", "extension_minutes": "5",
        "max_bids": "3", "bidding_opens": (now - dt.timedelta(minutes=1)).isoformat(),
        "bidding_closes": (now + dt.timedelta(hours=1)).isoformat()})
    base, detail = live_server.url, f"{live_server.url}/trades/{trade.pk}/"
    page.on("dialog", lambda d: d.accept())

    # the city confirms the three deposits on the trade's page
    login(page, base, "city_reviewer")
    page.goto(detail)
    for deposit in Deposit.objects.filter(trade=trade):
        decide(page, "confirm", within=page.locator("tr.offers", has=page.locator(
            f"input[name=deposit][value='{deposit.pk}']")), receipt=f"BZJ-2026-{deposit.pk:03d}")
    assert set(Deposit.objects.filter(trade=trade).values_list("status", flat=True)) == {DepositStatus.CONFIRMED}
    logout(page)

    def place(buyer, quantity, price, rank):
        login(page, base, buyer)
        page.goto(detail)
        decide(page, "bid", quantity=quantity, unit_price=price)
        live = page.get_by_test_id("live")
        expect(live.locator("[data-live=mine]")).to_contain_text(f"{rank} /")
        return live

    place("ent_huize", "8", "1100", 1)
    logout(page)
    place("ent_xuanwei", "6", "1200", 1)
    logout(page)
    # the last minutes: ent_fuyuan's bid moves the close by 5 minutes
    Trade.objects.filter(pk=trade.pk).update(bidding_closes=timezone.now() + dt.timedelta(minutes=2))
    live = place("ent_fuyuan", "4", "1150", 2)
    expect(live.locator("[data-live=highest]")).to_contain_text("1,200.00")
    extended = Trade.objects.get(pk=trade.pk).bidding_closes
    assert extended > timezone.now() + dt.timedelta(minutes=4)
    for other in ("会泽", "宣威"):  # the other bidders are named nowhere on the page: ranking, bids, history
        assert other not in live.inner_text() and other not in page.locator("main").inner_text()
    shoot(page, "auction-live-ranking")
    logout(page)

    # ent_huize, now third, sees it and raises: one bidder's best bid stands
    live = place("ent_huize", "8", "1250", 1)
    logout(page)

    Trade.objects.filter(pk=trade.pk).update(bidding_closes=timezone.now() - dt.timedelta(seconds=1))
    login(page, base, "city_reviewer")
    page.goto(detail)
    decide(page, "close")
    assert "已成交" in page.inner_text("h1")
    won = {d.buyer.name: d.quantity for d in Trade.objects.get(pk=trade.pk).deals.select_related("buyer")}
    assert won == {users["ent_huize"].organisation.name: Decimal("8"),
                   users["ent_xuanwei"].organisation.name: Decimal("4")}  # 8 at 1,250, then 4 of 6 at 1,200
    status = {d.party.organisation.name: d.status for d in Deposit.objects.filter(trade=trade)
              .select_related("party__organisation")}
    assert status == {users["ent_huize"].organisation.name: DepositStatus.APPLIED,
                      users["ent_xuanwei"].organisation.name: DepositStatus.APPLIED,
                      users["ent_fuyuan"].organisation.name: DepositStatus.RELEASED}
    decide(page, "contract", contract_number="QJPW-2026-088")
    paid = timezone.localtime() - dt.timedelta(minutes=1)
    Trade.objects.filter(pk=trade.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    for index in range(2):
        decide(page, "settle", deal=index, buyer_paid_at=paid.strftime("%Y-%m-%dT%H:%M"),
               seller_paid_at=paid.strftime("%Y-%m-%dT%H:%M"))
    logout(page)
    login(page, base, "city_approver")
    page.goto(detail)
    decide(page, "confirm")
    logout(page)

    login(page, base, "ent_huize")
    page.goto(detail)
    documents = page.get_by_test_id("documents")
    certificate = documents.locator("li", has_text="交易确认书").get_by_role("link", name="下载")
    expect(certificate).to_be_visible(timeout=60000)
    with page.expect_download() as info:
        certificate.click()
    text = subprocess.run(["pdftotext", info.value.path(), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "排污权交易确认书" in flat and "QJPW-2026-088" in flat and "10,000.00" in flat  # 8 x 1,250
    assert "公开日志第" in flat
    shoot(page, "auction-confirmed")
    logout(page)
    login(page, base, "ent_fuyuan")  # the bidder that won nothing: the notice, not the confirmation
    page.goto(detail)
    expect(page.get_by_test_id("documents")).to_contain_text("交易通知书")
    assert "交易确认书" not in page.get_by_test_id("documents").inner_text()
