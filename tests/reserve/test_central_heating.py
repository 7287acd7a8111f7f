"""Seed 003 Art 19 (Shanxi): the air-pollutant reduction from dismantling the dispersed coal-fired units in a central
heating project's heating area is the project's own replacement source; the rest comes from the pool (or a trade).
Qujing's measures have no such rule; water factors and other projects never use it."""
from decimal import Decimal

import pytest

from accounting import rulesets
from tests.accounting.test_rulesets import COD, SO2, project

URL = "/api/v1/precheck/"


def test_the_rule_set_says_who_may_count_dismantled_units():
    shanxi, qujing = rulesets.get("shanxi"), rulesets.get("qujing")
    heating = project(industry_code="4430", key_heavy_metal_industry="", central_heating=True)
    assert shanxi.own_replacement(heating, SO2) is None
    assert "第十九条" in shanxi.own_replacement(project(industry_code="4430", key_heavy_metal_industry=""), SO2)
    assert "化学需氧量" in shanxi.own_replacement(heating, COD)
    assert "第十九条" in qujing.own_replacement(heating, SO2)


def check(api, dismantled=None, *, pollutant="SO2", central_heating=True):
    item = {"pollutant": pollutant, "new_emission": "12.5", **({"dismantled": dismantled} if dismantled else {})}
    return api.post(URL, {"region": "530302", "industry": "4430", "central_heating": central_heating,
                          "watershed": "nanpan", "items": [item]}, format="json")


@pytest.mark.parametrize("dismantled", ["4.75", "0.0001", "500"])
def test_dismantled_units_replace_part_of_a_central_heating_projects_requirement(api, db, settings, dismantled):
    settings.PORTAL_RULE_SET = "shanxi"
    whole = check(api).json()["items"][0]
    response = check(api, dismantled)
    assert response.status_code == 200, response.json()
    item = response.json()["items"][0]
    own = min(Decimal(dismantled), Decimal(whole["required"]))
    assert Decimal(item["required"]) == Decimal(whole["required"]) - own  # the rest comes from the pool
    assert item["ratio"] == whole["ratio"] and "第十九条" in item["reason"]


def test_refused_outside_its_case(api, db, settings):
    settings.PORTAL_RULE_SET = "shanxi"
    water = check(api, "1", pollutant="COD")
    assert water.status_code == 400 and "化学需氧量" in str(water.json()["items"])
    other = check(api, "1", central_heating=False)
    assert other.status_code == 400 and "集中供热" in str(other.json()["items"])
    negative = check(api, "-1")
    assert negative.status_code == 400 and "items[0].dismantled" in negative.json()
    settings.PORTAL_RULE_SET = "qujing"
    assert "第十九条" in str(check(api, "1").json()["items"])


def test_a_withdrawal_keeps_the_own_replacement_apart_from_what_the_pool_gives(api_as, demo, settings):
    settings.PORTAL_RULE_SET = "shanxi"
    created = api_as("ent_qilin").post("/api/v1/withdrawal-applications/", {
        "project": {"name": "麒麟区城区集中供热热源项目", "industry": "4430", "eia_authority": "曲靖市生态环境局",
                    "central_heating": True},
        "items": [{"pollutant": "NOX", "new_emission": "8", "dismantled": "3.5"}]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    [item] = body["items"]
    assert body["project"]["central_heating"] is True
    assert Decimal(item["own_replacement"]) == Decimal("3.5")
    assert Decimal(item["required"]) == Decimal("8") * Decimal(item["ratio"]) - Decimal("3.5")
