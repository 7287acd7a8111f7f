"""Issue 4's acceptance path: ent_huize files a Pb withdrawal in 会泽县, sees the 1.2:1 ratio and its
reason, county_huize and city_approver approve it, and the pool overview shows the quantity gone."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import decide, login, logout, prepare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pb_withdrawal_in_huize(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    from ledger import services as ledger
    from ledger.models import Lot
    from quota_registry.orgs.models import User
    from quota_registry.reference.models import Pollutant

    org = User.objects.get(username="ent_huize").organisation
    lot = Lot(number="ZB-PB-DEMO", pollutant=Pollutant.objects.get(code="PB"), quantity=Decimal("50"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + datetime.timedelta(days=900))
    ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, base, "ent_huize")
    page.goto(base + "/withdrawals/new/")
    page.fill("#id_project_name", "会泽铅锌冶炼技改项目")
    page.select_option("#id_region", label="会泽县")
    page.fill("#id_eia_authority", "曲靖市生态环境局")
    page.select_option("#id_items-0-pollutant", "PB")
    page.fill("#id_items-0-new_emission", "10")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/withdrawals/*/")
    detail = page.url
    assert page.get_by_test_id("ratio-PB").inner_text() == "1.2:1"
    reason = page.get_by_test_id("reason-PB").inner_text()
    assert "会泽县为重金属污染防控重点区域" in reason and "1.2:1" in reason
    shoot(page, "withdrawal_flow-1-draft")
    decide(page, "submit")
    assert "待县级初审" in page.inner_text("h1")
    assert "ZB-PB-DEMO" in page.get_by_test_id("withdrawal-items").inner_text()
    logout(page)

    login(page, base, "county_huize")
    page.goto(detail)
    decide(page, "county_approve", "同意上报")
    logout(page)
    prepare(page, base, detail, "出库比例与来源无误，建议准予出库")

    login(page, base, "city_approver")
    page.goto(base + "/pool/")
    assert page.get_by_test_id("available-PB-530326").inner_text() == "38.0000"  # 12 held
    page.goto(detail)
    decide(page, "city_approve")
    assert "已批准" in page.inner_text("h1")
    shoot(page, "withdrawal_flow-2-approved")
    page.goto(base + "/pool/")
    cell = page.get_by_test_id("available-PB-530326")
    assert cell.inner_text() == "38.0000"
    assert "0.0000 / 0.0000" in cell.locator("xpath=..").inner_text()  # nothing held any more: it left the pool
    shoot(page, "withdrawal_flow-3-pool")
