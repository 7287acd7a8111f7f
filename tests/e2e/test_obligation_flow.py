"""Issue 5's acceptance path: city_reviewer sees an overdue obligation on the dashboard, ent_qilin sees the
reminder in its inbox."""
import datetime as dt

import pytest

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.e2e.test_entry_flow import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overdue_obligation_and_reminder(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    from django.utils import timezone

    from quota_registry.orgs.models import User
    from trading.services import obligation_create, send_reminders

    org = User.objects.get(username="ent_qilin").organisation
    today = timezone.localdate()
    obligation = obligation_create(
        enterprise=org, region=org.region, origin=None, destination="会泽铅锌冶炼技改项目",
        transferred=[{"pollutant": "SO2", "unit": "t/a", "lot": "ZB2026000001", "quantity": "12.0000"}],
        measure_completed_on=today - dt.timedelta(days=90), approved_on=today - dt.timedelta(days=80), working_days=30)
    assert obligation.due_date < today
    assert send_reminders(today=today)["overdue"] == 1
    base = live_server.url

    login(page, base, "city_reviewer")
    assert page.get_by_test_id("home-overdue").inner_text() == "1"
    page.goto(base + "/permit-changes/?state=overdue")
    assert page.get_by_test_id("count-overdue").inner_text() == "1"
    assert org.name in page.get_by_test_id("obligation-list").inner_text()
    assert page.get_by_test_id("overdue").count() == 1
    shoot(page, "obligation_flow-dashboard")
    logout(page)

    login(page, base, "ent_qilin")
    inbox = page.get_by_test_id("inbox").inner_text()
    assert "已逾期" in inbox and org.name in inbox
    shoot(page, "obligation_flow-inbox")
