"""The published ledger (Art 24): open without login, no commercial secrets, figures tie out to the
ledger, and the chain can be verified from the published data alone."""
import hashlib
import json
from decimal import Decimal

from django.core.cache import cache

from ledger.models import LedgerHead


def test_public_ledger_api_without_login(api, filed, make_lot, demo):
    cache.clear()
    filed(upto="approved")
    make_lot("8", pollutant="PB", enterprise="ent_huize")
    response = api.get("/api/v1/public/ledger/")
    assert response.status_code == 200
    data = response.json()
    so2 = next(b for b in data["balances"] if b["pollutant"] == "SO2" and b["region"] == "530302")
    assert so2["available"] == "100.0000" and so2["region_name"] == "麒麟区"
    assert data["lots"]["count"] == 2
    assert data["chain_head"]["hash"] == LedgerHead.objects.get(pk=1).hash
    text = json.dumps(data, ensure_ascii=False)
    assert demo["ent_qilin"].organisation.name not in text  # no enterprise names: lots show their origin county
    assert demo["ent_qilin"].organisation.credit_code not in text


def test_the_chain_verifies_from_published_data_alone(api, filed):
    filed(upto="approved")
    rows = api.get("/api/v1/public/ledger/chain/?from=1").json()["transactions"]
    previous = "0" * 64
    for t in rows:
        content = {k: t[k] for k in ("sequence", "kind", "created_at", "actor", "reverses", "subject", "memo",
                                     "movements")}
        content["previous"] = previous
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                                .encode()).hexdigest()
        assert digest == t["hash"] and t["previous"] == previous
        previous = digest
    assert previous == LedgerHead.objects.get(pk=1).hash


def test_public_pages_without_login(client, filed, make_lot):
    cache.clear()
    filed(upto="approved")
    html = client.get("/public/").content.decode()
    assert 'data-testid="public-balances"' in html and "100.0000" in html
    assert "vendor/echarts-5.6.0/echarts.min.js" in html and "cdn" not in html.lower()
    lots = client.get("/public/lots/?pollutant=SO2").content.decode()
    assert "二氧化硫" in lots and "曲靖麒麟示范焦化有限公司" not in lots


def test_approved_withdrawals_are_published_and_drafts_are_not(api, api_as, make_lot, demo):
    cache.clear()
    make_lot("50", pollutant="PB", enterprise="ent_huize")
    client = api_as("ent_huize")
    created = client.post("/api/v1/withdrawal-applications/", {
        "project": {"name": "公开测试项目", "industry": "3212", "eia_authority": "曲靖市生态环境局"},
        "items": [{"pollutant": "PB", "new_emission": "10"}]}, format="json").json()
    assert api.get("/api/v1/public/ledger/").json()["deals"] == []
    client.post(f"/api/v1/withdrawal-applications/{created['id']}/submit/")
    api_as("county_huize").post(f"/api/v1/withdrawal-applications/{created['id']}/county-review/",
                                {"decision": "approve"}, format="json")
    api_as("city_reviewer").post(f"/api/v1/withdrawal-applications/{created['id']}/city-prepare/",
                                 {"opinion": "无误"}, format="json")
    api_as("city_approver").post(f"/api/v1/withdrawal-applications/{created['id']}/city-review/",
                                 {"decision": "approve"}, format="json")
    deals = api.get("/api/v1/public/ledger/").json()["deals"]
    assert [(d["project"], d["quantity"]) for d in deals] == [("公开测试项目", "12.0000")]
    balances = api.get("/api/v1/public/ledger/").json()["balances"]
    pb = next(b for b in balances if b["pollutant"] == "PB")
    assert Decimal(pb["available"]) == Decimal("38")


def test_private_ledger_api_is_for_city_staff(api_as, filed):
    filed(upto="approved")
    assert api_as("ent_qilin").get("/api/v1/ledger/").status_code == 403
    assert api_as("county_qilin").get("/api/v1/ledger/").status_code == 403
    assert api_as("city_reviewer").get("/api/v1/ledger/").json()["count"] >= 1
