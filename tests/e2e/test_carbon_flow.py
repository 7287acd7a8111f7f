"""Issue 20's acceptance path: a key emitter files its report, the verifier verifies it, the bureau reviews it, the
unit surrenders allowances plus CCER (5 % of the obligation exactly) and is compliant; another unit, past its
deadline, gets its credit mark from the daily job; the public disclosure page shows both."""

import pytest

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import decide, login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_verify_review_surrender_and_a_late_unit_marked(live_server, page, transactional_db):
    _ensure_demo()
    from django.utils import timezone

    from carbon import services
    from carbon.models import EmissionReport, KeyEmitter
    from quota_registry.orgs.models import User
    from quota_registry.review import engine

    users = {u.username: u for u in User.objects.filter(username__in=[
        "city_reviewer", "city_approver", "ent_huize", "ent_xuanwei", "verifier"])}
    year = timezone.localdate().year - 1
    services.unit_list(actor=users["city_reviewer"], enterprise=users["ent_huize"].organisation, year=year - 1,
                       emissions="52000", reason="2024年度核查报告")
    # a unit that did not surrender the year before last in full: its deadline has passed
    late = services.unit_list(actor=users["city_reviewer"], enterprise=users["ent_xuanwei"].organisation,
                              year=year - 2, emissions="61000", reason="2023年度核查报告")
    report = services.report_create(actor=users["ent_xuanwei"], unit=late, year=year - 1, reported_emissions="60000",
                                    energy_tce="24000", sources="燃煤锅炉 60000", basis="发电行业核算指南")
    for who, action, data in (("ent_xuanwei", "submit", {}), ("city_reviewer", "assign",
                                                              {"verifier": users["verifier"].organisation_id}),
                              ("verifier", "verify", {"verified_emissions": "60000"}), ("city_approver", "accept", {})):
        engine.perform(actor=users[who], model=EmissionReport, pk=report.pk, action=action, data=data)
    services.surrender_record(actor=users["ent_xuanwei"], unit=late, year=year - 1, allowances="55000", ccer="0",
                              registry_reference="QJ-2025-001")
    base = live_server.url
    page.on("dialog", lambda d: d.accept())

    login(page, base, "ent_huize")
    page.goto(base + "/carbon/")  # the enterprise lands on its own unit
    form = page.get_by_test_id("report-form")
    form.locator("[name=year]").fill(str(year))
    form.locator("[name=reported_emissions]").fill("50000")
    form.locator("[name=energy_tce]").fill("20000")
    form.locator("[name=sources]").fill("1号燃煤锅炉 42000\n工业过程 8000")
    form.locator("[name=basis]").fill("《企业温室气体排放核算方法与报告指南》")
    with page.expect_navigation():
        form.get_by_role("button", name="保存草稿").click()
    detail = page.url
    decide(page, "submit")
    assert "待指定核查机构" in page.inner_text("h1")
    logout(page)

    login(page, base, "city_reviewer")
    page.goto(detail)
    decide(page, "assign", verifier=str(users["verifier"].organisation_id))
    logout(page)

    login(page, base, "verifier")
    page.goto(base + "/carbon/")
    assert "会泽示范铅锌冶炼有限公司" in page.get_by_test_id("assigned").inner_text()
    page.goto(detail)
    decide(page, "verify", verified_emissions="50000", findings="外购电力排放因子已更正")
    shoot(page, "carbon-report-verified")
    logout(page)

    login(page, base, "city_approver")
    page.goto(detail)
    decide(page, "accept", "复查通过")
    assert "已复查" in page.inner_text("h1")
    logout(page)

    login(page, base, "ent_huize")
    page.goto(base + "/carbon/")
    form = page.get_by_test_id("surrender-form")
    form.locator("[name=year]").fill(str(year))
    form.locator("[name=allowances]").fill("47500")
    form.locator("[name=ccer]").fill("2500.0001")  # a hair above 5 % of 50000
    form.locator("[name=registry_reference]").fill("QJ-2026-017")
    with page.expect_navigation():
        form.get_by_role("button", name="登记清缴").click()
    assert "2500.0000" in page.inner_text("main")  # refused, with the cap
    form = page.get_by_test_id("surrender-form")
    form.locator("[name=year]").fill(str(year))
    form.locator("[name=allowances]").fill("47500")
    form.locator("[name=ccer]").fill("2500")
    form.locator("[name=registry_reference]").fill("QJ-2026-017")
    with page.expect_navigation():
        form.get_by_role("button", name="登记清缴").click()
    assert "已履约" in page.get_by_test_id(f"year-{year}").inner_text()
    # in the one ledger: the surrender is a transaction (allowances acquired beyond the allocation, and the CCER)
    # the public log's page verifies
    row = page.get_by_test_id("carbon-ledger").locator("tr", has_text="QJ-2026-017")
    assert "47,500.0000" in row.inner_text() and "2,500.0000" in row.inner_text()
    assert "碳排放配额清缴确认书" in page.get_by_test_id("documents").inner_text()  # the year's confirmation, printed
    shoot(page, "carbon-unit")
    with page.expect_navigation():
        row.locator("a").click()
    assert "/public/log/verify/?transaction=" in page.url
    logout(page)

    assert len(services.mark_overdue()) == 1  # the daily job
    login(page, base, "city_reviewer")
    page.goto(base + f"/carbon/units/{late.pk}/")
    assert "未按时足额清缴" in page.get_by_test_id("credit-marks").inner_text()
    page.goto(base + "/carbon/")
    shoot(page, "carbon-units")
    logout(page)

    page.goto(base + f"/public/carbon/?year={year}")
    assert "已履约" in page.get_by_test_id("disclosure").inner_text()
    page.goto(base + f"/public/carbon/?year={year - 1}")
    assert "逾期" in page.get_by_test_id("disclosure").inner_text()
    shoot(page, "carbon-disclosure")
    assert KeyEmitter.objects.count() == 2
