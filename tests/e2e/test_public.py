"""The public pages work in a browser while logged out, charts included."""
import datetime
from decimal import Decimal

import pytest

from tests.conftest import _ensure_demo
from tests.e2e.conftest import shoot
from tests.reserve.test_public_log import tamper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_ledger_logged_out(live_server, page, transactional_db, tmp_path):
    _ensure_demo()
    from django.utils import timezone

    from ledger import services as ledger
    from ledger.models import Lot
    from quota_registry.orgs.models import User
    from quota_registry.reference.models import Pollutant

    org = User.objects.get(username="ent_huize").organisation
    lot = Lot(number="ZB-PUBLIC-1", pollutant=Pollutant.objects.get(code="PB"), quantity=Decimal("8"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + datetime.timedelta(days=400))
    ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="查看公开台账").click()
    page.wait_for_url("**/public/")
    assert page.get_by_test_id("public-available-PB-530326").inner_text() == "8.0000"
    assert len(page.get_by_test_id("chain-head").inner_text()) == 64
    page.wait_for_selector("#chart-pool canvas")  # ECharts drew the chart from the local copy
    assert errors == []
    shoot(page, "public-public")
    page.goto(live_server.url + "/public/lots/?pollutant=PB")
    assert "ZB-PUBLIC-1" in page.get_by_test_id("public-lots").inner_text()
    assert org.name not in page.content()
    assert page.goto(live_server.url + "/api/v1/public/ledger/").status == 200
    from trading.prices import reference_price_set

    reference_price_set(actor=User.objects.get(username="city_reviewer"), pollutant=Pollutant.objects.get(code="SO2"),
                        price="1200", effective_from=timezone.localdate(), document="曲环发〔2026〕1号")
    page.goto(live_server.url + "/prices/")
    page.wait_for_selector("#chart-prices canvas")
    assert errors == []


def test_a_citizen_verifies_a_transaction_in_the_browser(live_server, page, transactional_db):
    """Issue 17: the public page verifies one transaction against the signed log with the browser's own Web Crypto
    (Ed25519 signature of the checkpoint, RFC 9162 inclusion); a row changed behind the ledger's back fails."""
    from django.utils import timezone

    from ledger import services as ledger
    from ledger.models import Lot, Movement
    from quota_registry.orgs.models import User

    _ensure_demo()
    org = User.objects.get(username="ent_qilin").organisation
    from quota_registry.reference.models import Pollutant

    lot = Lot(number="ZBVERIFY1", pollutant=Pollutant.objects.get(code="NOX"), quantity=Decimal("23.5"), enterprise=org,
              region=org.region, industry=org.industry, source_kind="reduction", status="active",
              verified_on=timezone.localdate(), valid_until=datetime.date(2031, 12, 31))
    ledger.issue(actor=None, lots=[lot], subject=None)
    movement = Movement.objects.select_related("transaction").get(lot=lot)
    sequence = movement.transaction.sequence
    page.goto(f"{live_server.url}/public/log/verify/?transaction={sequence}")
    result = page.get_by_test_id("verify-result")
    result.filter(has_text="已核验").wait_for()
    shoot(page, "public-log-verify")
    tamper(movement.pk, str(movement.quantity + 1))  # an insider changes the row, bypassing the ledger's triggers
    page.reload()
    result.filter(has_text="未通过核验").wait_for()
    assert "不再一致" in result.inner_text()
