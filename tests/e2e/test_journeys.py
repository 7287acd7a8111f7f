"""The journeys the browser tests above do not walk yet: an enterprise resubmits a returned entry and
downloads its PDF, uses the pre-check, and a reviewer records a permit change."""
import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import decide, login, logout, prepare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_return_resubmit_approve_and_download(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    base = live_server.url
    page.on("dialog", lambda d: d.accept())
    evidence = tmp_path / "监测报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    login(page, base, "ent_qilin")
    page.goto(base + "/entries/new/")
    page.select_option("#id_source_kind", "reduction")
    page.select_option("#id_measure", "shutdown")
    page.select_option("#id_items-0-pollutant", "PM")
    page.select_option("#id_items-0-accounting_method", "shutdown")
    page.fill("#id_items-0-initial_quota", "12.5")
    page.fill("#id_items-0-completion_date", (timezone.localdate() - dt.timedelta(days=20)).isoformat())
    page.set_input_files("#id_evidence", str(evidence))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/entries/*/")
    detail = page.url
    decide(page, "submit")
    logout(page)

    login(page, base, "county_qilin")
    page.goto(detail)
    decide(page, "county_return", "请补充关停验收文件")
    assert "退回补正" in page.inner_text("h1")
    logout(page)

    login(page, base, "ent_qilin")
    page.goto(detail)
    assert "请补充关停验收文件" in page.get_by_test_id("reviews").inner_text()
    page.get_by_role("link", name="修改").click()
    assert "请补充关停验收文件" in page.get_by_test_id("return-opinion").inner_text()  # why, above the form
    assert "监测报告.pdf" in page.get_by_test_id("given-files").inner_text()  # and what was already given
    shoot(page, "journeys-returned-edit")
    page.fill("#id_measure_description", "已补充关停验收文件")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(detail)
    decide(page, "submit")
    assert "待县级初审" in page.inner_text("h1")
    logout(page)

    login(page, base, "county_qilin")
    page.goto(detail)
    decide(page, "county_approve")
    logout(page)
    prepare(page, base, detail)
    login(page, base, "city_approver")
    page.goto(detail)
    decide(page, "city_approve")
    assert "已批准" in page.inner_text("h1")
    logout(page)

    login(page, base, "ent_qilin")
    page.goto(detail)
    link = page.get_by_test_id("documents").get_by_role("link", name="下载")
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert open(path, "rb").read(5) == b"%PDF-"
    assert info.value.suggested_filename.endswith(".pdf")


def test_precheck_page_and_permit_change_recorded(live_server, page, transactional_db):
    _ensure_demo()
    from quota_registry.orgs.models import User
    from trading.services import obligation_create

    base = live_server.url
    page.on("dialog", lambda d: d.accept())
    login(page, base, "ent_huize")
    page.goto(base + "/withdrawals/new/")
    page.get_by_test_id("guide-link").click()  # the form links its service guide
    assert "材料清单" in page.inner_text("main")
    shoot(page, "journeys-guide-withdrawal")
    page.goto(base + "/precheck/")
    page.select_option("#id_region", label="会泽县")
    page.select_option("#id_industry", label="3212 铅锌冶炼")
    page.select_option("#id_items-0-pollutant", "PB")
    page.fill("#id_items-0-new_emission", "10")
    page.get_by_role("button", name="测算").click()
    assert page.get_by_test_id("ratio-PB").inner_text() == "1.2:1"
    shoot(page, "journeys-precheck")
    page.get_by_test_id("carry-to-application").click()  # the figures come along: nothing typed twice
    assert page.input_value("#id_items-0-pollutant") == "PB" and page.input_value("#id_items-0-new_emission") == "10.0000"
    assert page.locator("#id_region option:checked").inner_text() == "会泽县"
    shoot(page, "journeys-withdrawal-form-from-precheck")

    org = User.objects.get(username="ent_qilin").organisation
    obligation = obligation_create(enterprise=org, region=org.region, origin=None, destination="某建设项目",
                                   transferred=[{"pollutant": "SO2", "unit": "t/a", "lot": "ZB1", "quantity": "5.0000"}],
                                   measure_completed_on=timezone.localdate(), approved_on=timezone.localdate(),
                                   working_days=30)
    login(page, base, "city_reviewer")
    page.goto(f"{base}/permit-changes/{obligation.pk}/")
    form = page.locator("form:has(input[name=action][value=confirm])")
    assert form.locator("[name=permit_number]").input_value() == org.permit_number  # offered from the record
    assert "二氧化硫 5.0000 t/a → 某建设项目" in form.locator("[name=recorded_transfer]").input_value()
    decide(page, "confirm", permit_version="2026-11 变更", recorded_measure="脱硫设施提标改造",
           recorded_reduction="SO2 100 t/a")
    assert "已变更" in page.inner_text("h1")
    assert "登记了变更后的许可证" in page.get_by_test_id("reviews").inner_text()
