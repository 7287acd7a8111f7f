"""Seed 003 Art 18 (Shanxi): the quota of a project the unit will not build, obtained for a fee, may serve another of
its projects; quota obtained free may not (Qujing: it goes back to the pool, Art 9)."""
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind
from ledger.verification import verify
from reserve.models import WithdrawalApplication
from tests.trading.test_fees import holding, pay, record_fee

URL = "/api/v1/withdrawal-applications/"


def apply(api_as, reused="2.5", reuse_from="CK2026000077"):
    return api_as("ent_qilin").post(URL, {
        "project": {"name": "麒麟区焦化余热综合利用项目", "industry": "2521", "eia_authority": "曲靖市生态环境局",
                    "reuse_from": reuse_from},
        "items": [{"pollutant": "NOX", "new_emission": "4", "reused": reused}]}, format="json")


@pytest.fixture
def unbuilt(make_lot, demo):
    """ent_qilin's project CK2026000077, not to be built, holding 6 t/a of NOx; and NOx in the pool."""
    make_lot("40", pollutant="NOX", enterprise="ent_qilin", completed_on=timezone.localdate())  # seed 003 Art 15
    return holding(make_lot, demo, "6", reference="CK2026000077", label="曲靖新建焦化项目")


def test_paid_quota_of_an_unbuilt_project_serves_the_units_next_project(unbuilt, api_as, demo, settings):
    settings.PORTAL_RULE_SET = "shanxi"
    lot, old = unbuilt
    free = apply(api_as)
    assert free.status_code == 400 and "第十八条" in str(free.json()["reuse_from"])
    fee = record_fee(api_as, demo, amount="4800", origin="CK2026000077")
    assert pay(api_as, fee, "4800", "FS-0200").status_code == 200
    created = apply(api_as)
    assert created.status_code == 201, created.json()
    [item] = created.json()["items"]
    assert Decimal(item["required"]) == Decimal("4") * Decimal(item["ratio"]) - Decimal("2.5")
    assert "第十八条" in item["reason"]
    pk = created.json()["id"]
    for user, path, data in (("ent_qilin", "submit", {}),
                             ("county_qilin", "county-review", {"decision": "approve", "opinion": "同意上报"}),
                             ("city_reviewer", "city-prepare", {"opinion": "有偿取得，可用于本单位其他项目"}),
                             ("city_approver", "city-review", {"decision": "approve", "opinion": "同意出库"})):
        response = api_as(user).post(f"{URL}{pk}/{path}/", data, format="json")
        assert response.status_code == 200, (path, response.json())
    application = WithdrawalApplication.objects.get(pk=pk)
    new = ledger.account(AccountKind.ENTERPRISE, demo["ent_qilin"].organisation, reference=application.number)
    assert ledger.balance(old, lot) == Decimal("3.5") and ledger.balance(new, lot) == Decimal("2.5")
    assert verify().ok


@pytest.mark.parametrize(("rules", "article"), [("qujing", "第九条"), ("shanxi", "第十八条")])
def test_refused_when_the_rules_do_not_allow_it(unbuilt, api_as, demo, settings, rules, article):
    settings.PORTAL_RULE_SET = rules
    if rules == "qujing":  # even paid: Qujing's measures send an unbuilt project's quota back to the pool
        fee = record_fee(api_as, demo, amount="100", origin="CK2026000077")
        pay(api_as, fee, "100", "FS-0300")
    refused = apply(api_as)
    assert refused.status_code == 400 and article in str(refused.json()["reuse_from"])
    unnamed = apply(api_as, reuse_from="")
    assert unnamed.status_code == 400 and "reuse_from" in unnamed.json()
    assert not WithdrawalApplication.objects.exists()


def test_refused_when_the_account_no_longer_holds_it(unbuilt, api_as, demo, settings):
    settings.PORTAL_RULE_SET = "shanxi"
    fee = record_fee(api_as, demo, amount="4800", origin="CK2026000077")
    pay(api_as, fee, "4800", "FS-0400")
    short = apply(api_as, reused="6.0001")
    assert short.status_code == 400 and "6.0000 t/a" in str(short.json()["reuse_from"])
