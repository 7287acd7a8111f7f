"""The issue's acceptance path in a real browser: ent_qilin files an entry, county_qilin forwards it,
city_approver approves it, and the quantity shows in the pool overview."""
import datetime

import pytest
from django.utils import timezone

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    """Straight into the user's workspace with a fresh session (city staff's carrying the second factor, as after
    giving the code): the journeys switch people a dozen times; the login page itself is walked in test_login.py."""
    from django.conf import settings
    from django.test import Client

    from quota_registry.orgs.models import User
    from quota_registry.orgs.twofactor import mark_session_verified

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    mark_session_verified(client.session, user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    page.goto(base + "/home/")


def logout(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/")


def decide(page, action, opinion=None, *, within=None, **fields):
    """Take a step the page offers: its own form, or its choice in a decision form (approve / return / reject),
    filling the step's inputs (`fields`: a select gets the option with that value, or the n-th for an int); the
    page's confirmation is accepted (the tests register a dialog handler). `within`: where on the page the form is
    (a table row) when several records offer it."""
    form = (within or page).locator(f"form:has(input[name=action][value={action}])")
    radio = form.locator(f"input[type=radio][value={action}]")
    if radio.count():
        radio.check()
    if opinion is not None:
        form.locator("textarea[name=opinion]").fill(opinion)
    for name, value in fields.items():
        box = form.locator(f"[name={name}]")
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(index=value) if isinstance(value, int) else box.select_option(str(value))
        else:
            box.fill(str(value))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def offered(page, action) -> bool:
    return page.locator(f"input[name=action][value={action}]").count() > 0


def prepare(page, base, detail_url, opinion="材料齐全，核算无误，建议同意"):
    """Four-eyes: the city reviewer records the preparatory review before the approver decides."""
    login(page, base, "city_reviewer")
    page.goto(detail_url)
    decide(page, "city_prepare", opinion)
    logout(page)


def test_entry_from_enterprise_to_pool(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before irreversible steps
    evidence = tmp_path / "验收监测报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    login(page, base, "ent_qilin")
    page.goto(base + "/entries/new/")
    page.select_option("#id_source_kind", "reduction")
    page.select_option("#id_measure", "treatment")
    page.fill("#id_measure_description", "焦炉烟气脱硫脱硝改造")
    page.select_option("#id_items-0-pollutant", "SO2")
    page.select_option("#id_items-0-accounting_method", "self_treatment")
    page.fill("#id_items-0-eq", "120")
    page.fill("#id_items-0-max_flow", "1000000000")
    page.fill("#id_items-0-concentration", "20")
    page.fill("#id_items-0-completion_date", (timezone.localdate() - datetime.timedelta(days=10)).isoformat())
    page.set_input_files("#id_evidence", str(evidence))  # chosen before the recalculation: it must not be lost
    page.get_by_role("button", name="计算").click()
    assert "Ek = Eq − Eh" in page.get_by_test_id("formula").inner_text()
    assert "100.0000 t/a" in page.get_by_test_id("formula").inner_text()
    assert "验收监测报告.pdf" in page.get_by_test_id("kept-file").inner_text()
    shoot(page, "entry_flow-0-form-computed")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/entries/*/")
    detail_url = page.url
    assert "草稿" in page.inner_text("h1")
    assert "验收监测报告.pdf" in page.inner_text("main")  # the kept file was attached
    shoot(page, "entry_flow-1-draft")
    decide(page, "submit")
    assert "待县级初审" in page.inner_text("h1")
    assert "下一步：由县级生态环境部门办理" in page.inner_text(".messages")
    assert "县级初审" in page.get_by_test_id("progress").locator("[aria-current=step]").inner_text()
    shoot(page, "entry_flow-1b-submitted")
    logout(page)

    login(page, base, "county_qilin")
    assert page.get_by_test_id("count-inbox").inner_text() == "1"
    page.goto(base + "/entries/")
    page.get_by_test_id("entry-list").get_by_role("link").first.click()
    shoot(page, "entry_flow-1c-county-decision-panel")
    decide(page, "county_approve", "材料齐全，同意上报")
    assert "待市级审核" in page.inner_text("h1")
    assert "初审同意（已上报市局）" in page.get_by_test_id("reviews").inner_text()
    logout(page)

    login(page, base, "city_approver")
    page.goto(detail_url)
    assert not offered(page, "city_approve")  # four-eyes: not before the preparation
    logout(page)
    prepare(page, base, detail_url)
    login(page, base, "city_approver")
    page.goto(detail_url)
    decide(page, "city_approve", "同意入库")
    assert "已批准" in page.inner_text("h1")
    shoot(page, "entry_flow-2-approved")
    page.goto(base + "/pool/")
    assert page.get_by_test_id("available-SO2-530302").inner_text() == "100.0000"
    shoot(page, "entry_flow-3-pool")
