"""Issue 19's acceptance path: Qujing requests quota from Honghe's reserve for a project in 麒麟区; Honghe agrees;
the province approves; the quota moves between the two pools and the province's one-ledger shows it, also on the
public page. A water transfer across basins is refused on the form with the rule named."""
import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import decide, login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _lot(number, code, username, quantity, watershed=None):
    from django.utils import timezone

    from ledger import services as ledger
    from ledger.models import Lot
    from quota_registry.orgs.models import User
    from quota_registry.reference.models import Pollutant, Watershed

    org = User.objects.get(username=username).organisation
    lot = Lot(number=number, pollutant=Pollutant.objects.get(code=code), quantity=Decimal(quantity), enterprise=org,
              region=org.region, industry=org.industry, source_kind="reduction", status="active",
              verified_on=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=400),
              watershed=Watershed.objects.get(code=watershed) if watershed else None)
    ledger.issue(actor=None, lots=[lot], subject=None)
    return lot


def test_transfer_between_two_cities(live_server, page, transactional_db):
    _ensure_demo()
    from ledger import services as ledger
    from reserve.models import CityTransfer

    so2 = _lot("HH-SO2-1", "SO2", "ent_gejiu", "60")
    _lot("HH-COD-1", "COD", "ent_mengzi", "25", watershed="yuanjiang")
    base = live_server.url
    page.on("dialog", lambda d: d.accept())

    login(page, base, "city_reviewer")
    page.goto(base + "/transfers/new/")
    form = {"from_city": "532500", "pollutant": "COD", "region": "530302", "watershed": "nanpan"}
    for name, value in form.items():
        page.select_option(f"[name={name}]", value)
    page.fill("[name=quantity]", "5")
    page.fill("[name=project_name]", "麒麟示范污水处理厂扩建")
    page.fill("[name=reason]", "本市储备不足")
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").click()
    refusal = page.inner_text("main")
    assert "第二十一条第（一）项" in refusal and "同一流域" in refusal  # 元江 is not 南盘江's basin
    shoot(page, "transfer-refused")
    assert CityTransfer.objects.count() == 0

    page.select_option("[name=pollutant]", "SO2")
    page.select_option("[name=watershed]", "")
    page.fill("[name=quantity]", "20")
    page.fill("[name=project_name]", "麒麟示范热电扩建")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/transfers/*/")
    detail = page.url
    assert "待调出市审核" in page.inner_text("h1")
    logout(page)

    login(page, base, "honghe_reviewer")
    page.goto(base + "/transfers/")
    assert "麒麟示范热电扩建" in page.get_by_test_id("transfers").inner_text()
    page.goto(detail)
    decide(page, "agree", "同意调出")
    assert "待省厅审批" in page.inner_text("h1")
    logout(page)

    login(page, base, "province")
    page.goto(base + "/home/")
    page.goto(detail)
    shoot(page, "transfer-province")
    decide(page, "approve", "同意")
    assert "已划转" in page.inner_text("h1")
    assert "HH-SO2-1" in page.inner_text("main")
    assert ledger.balance(ledger.pool("530300"), so2) == Decimal("20")
    assert ledger.balance(ledger.pool("532500"), so2) == Decimal("40")
    page.goto(base + "/province/")
    shoot(page, "one-ledger-province")
    assert "20.0000" in page.get_by_test_id("row-SO2-530300").inner_text()
    assert "20.0000" in page.get_by_test_id("row-SO2-532500").inner_text()
    logout(page)

    page.goto(base + "/public/province/")
    text = page.get_by_test_id("row-SO2-province").inner_text()
    assert "20.0000" in text  # transferred in and out: the province's total stays
    shoot(page, "one-ledger-public")

    # seed 002: the province itself takes quota from a city with a surplus for a key project in another
    login(page, base, "province")
    page.goto(base + "/transfers/new/")
    balances = page.get_by_test_id("pool-balances").inner_text()  # each city's pool: Honghe's 40 t of SO2 is left
    assert "红河哈尼族彝族自治州" in balances and "40.0000" in balances
    for name, value in {"from_city": "532500", "pollutant": "SO2", "region": "530302"}.items():
        page.select_option(f"[name={name}]", value)
    page.fill("[name=quantity]", "5")
    page.fill("[name=project_name]", "省重点项目：曲靖绿色硅材料")
    page.fill("[name=reason]", "省级统筹：红河州储备盈余")
    shoot(page, "transfer-arrange-form")
    page.get_by_role("button", name="登记统筹调配").click()
    page.wait_for_url("**/transfers/*/")
    assert "省厅统筹调配" in page.inner_text("h1")
    shoot(page, "transfer-arranged")
    assert page.locator("input[name=action][value=approve], input[type=radio][value=approve]").count() == 0  # not hers
    url = page.url
    logout(page)
    login(page, base, "province_leader")  # four-eyes: another person of the province approves
    page.goto(url)
    decide(page, "approve", "同意调配")
    assert "已划转" in page.inner_text("h1")
    assert ledger.balance(ledger.pool("530300"), so2) == Decimal("25")
    logout(page)

    login(page, base, "city_reviewer")  # Qujing's pool overview shows what came from Honghe, under its county
    page.goto(base + "/pool/")
    assert "调自红河哈尼族彝族自治州" in page.get_by_test_id("pool").inner_text()
    assert page.get_by_test_id("available-SO2-532501").inner_text() == "25.0000"
    shoot(page, "pool-received")
