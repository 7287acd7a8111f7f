"""Both rule sets with worked examples from the seeds."""
import datetime
from decimal import Decimal

import pytest

from accounting import rulesets
from accounting.projects import Factor, Project, Source

SO2 = Factor("SO2", "二氧化硫", "air", "t/a")
NOX = Factor("NOX", "氮氧化物", "air", "t/a")
VOCS = Factor("VOCS", "挥发性有机物", "air", "t/a")
COD = Factor("COD", "化学需氧量", "water", "t/a")
NH3N = Factor("NH3N", "氨氮", "water", "t/a")
PB = Factor("PB", "铅", "heavy_metal", "kg/a")
DECIDING = {"SO2": ["pm25", "so2"], "NOX": ["pm25", "o3", "no2"], "PM": ["pm25", "pm10"], "VOCS": ["o3"],
            "COD": ["water"], "NH3N": ["water"], "TP": ["water"], "TN": ["water"]}
NAMES = {"pm25": "PM2.5", "o3": "O3", "water": "地表水", "so2": "SO2", "no2": "NO2", "pm10": "PM10"}
TODAY = datetime.date(2026, 11, 21)


def project(**kw):
    base = dict(region_code="530326", region_name="会泽县", heavy_metal_key_area=True, industry_code="3212",
                key_heavy_metal_industry="nonferrous_smelting", watershed_codes=frozenset({"niulan"}),
                receiving_watershed="niulan", quality_year=2025, failing=frozenset(), missing=frozenset(),
                deciding=DECIDING, indicator_names=NAMES)
    base.update(kw)
    return Project(**base)


def source(**kw):
    base = dict(pollutant_code="PB", region_code="530326", watershed_code="niulan", industry_code="3212",
                key_heavy_metal_industry="nonferrous_smelting", status="active", valid_until=datetime.date(2030, 12, 31),
                earmarked=False, completed_on=datetime.date(2024, 6, 30))
    base.update(kw)
    return Source(**base)


qujing = rulesets.get("qujing")
shanxi = rulesets.get("shanxi")


def test_qujing_heavy_metal_key_area_1_2():
    r = qujing.ratio(project(), PB, Decimal("10"))
    assert (r.ratio, r.required) == (Decimal("1.2"), Decimal("12.0000"))
    assert "会泽县为重金属污染防控重点区域" in r.reason or "heavy-metal pollution key area" in r.reason


def test_qujing_heavy_metal_elsewhere_1_1():
    r = qujing.ratio(project(region_name="麒麟区", heavy_metal_key_area=False), PB, Decimal("10"))
    assert (r.ratio, r.required) == (Decimal("1"), Decimal("10.0000"))


def test_qujing_attained_county_equal_replacement():
    r = qujing.ratio(project(), SO2, Decimal("5.5"))
    assert (r.ratio, r.required) == (Decimal("1"), Decimal("5.5000"))


def test_qujing_o3_failing_doubles_nox_and_vocs_not_so2():
    p = project(failing=frozenset({"o3"}))
    assert qujing.ratio(p, NOX, Decimal("3")).required == Decimal("6.0000")
    assert qujing.ratio(p, VOCS, Decimal("3")).ratio == Decimal("2")
    assert qujing.ratio(p, SO2, Decimal("3")).ratio == Decimal("1")


def test_qujing_city_sets_another_multiple():
    r = rulesets.get("qujing", non_attainment_multiple=Decimal("1.5")).ratio(project(failing=frozenset({"water"})), COD,
                                                                             Decimal("4"))
    assert (r.ratio, r.required) == (Decimal("1.5"), Decimal("6.0000"))


def test_missing_quality_data_is_treated_strictly():
    r = qujing.ratio(project(missing=frozenset({"water"}), quality_year=None), COD, Decimal("1"))
    assert r.ratio == Decimal("2")


def test_required_rounds_up():
    assert qujing.required(Decimal("0.0001"), Decimal("1.2")) == Decimal("0.0002")


def test_shanxi_small_project_exempt():
    emissions = {"SO2": ("air", Decimal("2.9")), "NOX": ("air", Decimal("3")), "COD": ("water", Decimal("1")),
                 "NH3N": ("water", Decimal("0.5"))}
    p = project(failing=frozenset({"pm25"}), heavy_metal_key_area=False)
    r = shanxi.ratio(p, SO2, Decimal("2.9"), project_emissions=emissions)
    assert (r.ratio, r.required) == (Decimal("0"), Decimal("0.0000"))
    emissions["NOX"] = ("air", Decimal("3.1"))
    assert shanxi.ratio(p, SO2, Decimal("2.9"), project_emissions=emissions).ratio == Decimal("2")


def test_shanxi_pm25_failing_doubles_so2_nox_pm():
    p = project(failing=frozenset({"pm25"}))
    for f in (SO2, NOX):
        assert shanxi.ratio(p, f, Decimal("10"), project_emissions={f.code: ("air", Decimal("10"))}).ratio == 2


def test_shanxi_clean_energy_non_two_high_air_1_1():
    p = project(failing=frozenset({"pm25"}), clean_energy=True)
    assert shanxi.ratio(p, SO2, Decimal("10"), project_emissions={"SO2": ("air", Decimal("10"))}).ratio == 1
    p2 = project(failing=frozenset({"pm25"}), clean_energy=True, two_high=True)
    assert shanxi.ratio(p2, SO2, Decimal("10"), project_emissions={"SO2": ("air", Decimal("10"))}).ratio == 2


def test_shanxi_industry_limits():
    power = project(industry_code="4411", key_heavy_metal_industry="")
    assert shanxi.ineligible(source(pollutant_code="SO2", industry_code="3011", key_heavy_metal_industry=""), power, SO2,
                             TODAY)
    assert shanxi.ineligible(source(pollutant_code="SO2", industry_code="4411", key_heavy_metal_industry=""), power, SO2,
                             TODAY) is None
    cement_low_stack = project(industry_code="3011", key_heavy_metal_industry="", stack_height_m=Decimal("30"))
    assert shanxi.ineligible(source(pollutant_code="SO2", industry_code="4411", key_heavy_metal_industry=""),
                             cement_low_stack, SO2, TODAY)
    tall = project(industry_code="3011", key_heavy_metal_industry="", stack_height_m=Decimal("60"))
    assert shanxi.ineligible(source(pollutant_code="SO2", industry_code="4411", key_heavy_metal_industry=""), tall, SO2,
                             TODAY) is None
    factory = project(industry_code="3011", key_heavy_metal_industry="")
    farm = source(pollutant_code="COD", industry_code="0313", key_heavy_metal_industry="")
    assert "agricultural" in shanxi.ineligible(farm, factory, COD, TODAY) or "农业" in shanxi.ineligible(
        farm, factory, COD, TODAY)
    # the same farm source is fine for Qujing, which has no such limit
    assert qujing.ineligible(farm, factory, COD, TODAY) is None


@pytest.mark.parametrize(("src", "proj", "factor", "eligible"), [
    (source(), project(), PB, True),
    (source(pollutant_code="CD"), project(), PB, False),
    (source(status="planned"), project(), PB, False),
    (source(status="expired"), project(), PB, False),
    (source(valid_until=datetime.date(2026, 11, 20)), project(), PB, False),
    (source(earmarked=True), project(), PB, False),
    (source(earmarked=True), project(major_project=True), PB, True),
    (source(key_heavy_metal_industry="", industry_code="4411"), project(), PB, False),
    (source(pollutant_code="COD", watershed_code="nanpan"), project(), COD, False),
    (source(pollutant_code="COD", watershed_code="niulan"), project(), COD, True),
    (source(pollutant_code="SO2", region_code="530381", watershed_code="beipan"), project(), SO2, True),  # city-wide
])
def test_source_eligibility(src, proj, factor, eligible):
    for rules in (qujing, shanxi):
        assert (rules.ineligible(src, proj, factor, TODAY) is None) == eligible


def test_priority_same_key_industry_then_county_then_watershed_then_expiry():
    p = project()
    same_ind_far = source(region_code="530381", key_heavy_metal_industry="nonferrous_smelting")
    other_ind_here = source(key_heavy_metal_industry="nonferrous_mining", industry_code="0912")
    same_here_late = source(valid_until=datetime.date(2031, 12, 31))
    same_here_early = source(valid_until=datetime.date(2029, 12, 31))
    order = sorted([other_ind_here, same_ind_far, same_here_late, same_here_early],
                   key=lambda s: qujing.priority(s, p, PB))
    assert order == [same_here_early, same_here_late, same_ind_far, other_ind_here]
    assert qujing.shortfall_only(other_ind_here, p, PB) and not qujing.shortfall_only(same_ind_far, p, PB)


def test_permit_managed_units_first_within_the_same_place():
    """Qujing Art 11: 优先来源于排污许可管理的排污单位 — within the same county, a permit-managed unit's lot goes before
    one of a unit without a permit, even one expiring earlier; the county still comes first."""
    p = project()
    unmanaged_early = source(permit_managed=False, valid_until=datetime.date(2027, 12, 31))
    managed_late = source(permit_managed=True, valid_until=datetime.date(2030, 12, 31))
    managed_far = source(permit_managed=True, region_code="530381", watershed_code="beipan")
    order = sorted([managed_far, unmanaged_early, managed_late], key=lambda s: qujing.priority(s, p, PB))
    assert order == [managed_late, unmanaged_early, managed_far]


def test_rule_sets_listed():
    assert {c for c, _ in rulesets.available()} == {"qujing", "shanxi", "shaanxi"}
    assert rulesets.get("shaanxi").permit_change_working_days == 15


# --- issue 16: the defects, each with its article and its own dates and quantities -----------------------------

def test_water_factor_needs_the_receiving_watershed_and_only_that_one():
    """Qujing Art 12: water factors from the same watershed — the project's receiving one, not any of its county's."""
    both = frozenset({"niulan", "nanpan"})
    unnamed = project(watershed_codes=both, receiving_watershed=None)
    assert "第十二条" in qujing.ineligible(source(pollutant_code="COD", watershed_code="niulan"), unnamed, COD, TODAY)
    named = project(watershed_codes=both, receiving_watershed="nanpan")
    assert qujing.ineligible(source(pollutant_code="COD", watershed_code="nanpan"), named, COD, TODAY) is None
    assert qujing.ineligible(source(pollutant_code="COD", watershed_code="niulan"), named, COD, TODAY) is not None
    # air factors are not bound to a watershed
    assert qujing.ineligible(source(pollutant_code="SO2", watershed_code="beipan"), unnamed, SO2, TODAY) is None


@pytest.mark.parametrize(("today", "recorded", "year"), [
    (datetime.date(2027, 3, 1), [2027, 2026, 2025], 2026),  # this year's partial status does not count
    (datetime.date(2027, 3, 1), [2025], 2026),  # last year not recorded: none is, whatever is older
    (datetime.date(2030, 1, 2), [], 2029),
])
def test_shanxi_reads_the_previous_years_quality(today, recorded, year):
    """Seed 003 Art 14: 上一年度 (the previous year's) quality decides; Qujing reads the latest recorded."""
    assert shanxi.quality_year(today, recorded) == year
    assert qujing.quality_year(today, recorded) == (recorded[0] if recorded else None)


@pytest.mark.parametrize(("completed", "today", "eligible"), [
    (datetime.date(2021, 1, 1), datetime.date(2026, 11, 21), True),  # the previous (14th) period, first day
    (datetime.date(2020, 12, 31), datetime.date(2026, 11, 21), False),  # the 13th period: too old in 2026
    (datetime.date(2020, 12, 31), datetime.date(2025, 12, 31), True),  # ...but still fine in 2025 (13th = previous)
    (datetime.date(2016, 1, 1), datetime.date(2025, 6, 1), True),
    (datetime.date(2015, 12, 31), datetime.date(2025, 6, 1), False),
    (None, datetime.date(2026, 11, 21), False),  # unknown completion: not shown to be in the periods
])
def test_shanxi_sources_from_the_previous_and_current_five_year_plan_only(completed, today, eligible):
    """Seed 003 Art 15: 上一个五年规划期及本五年规划期内 (13th 2016-2020, 14th 2021-2025, 15th 2026-2030)."""
    lot = source(pollutant_code="SO2", industry_code="3011", completed_on=completed,
                 valid_until=datetime.date(2031, 12, 31))
    reason = shanxi.ineligible(lot, project(industry_code="3011"), SO2, today)
    assert (reason is None) == eligible, reason
    if not eligible:
        assert "第十五条" in reason
    assert qujing.ineligible(lot, project(industry_code="3011"), SO2, today) is None  # Qujing has no such rule


@pytest.mark.parametrize(("proj", "src", "eligible"), [
    # a captive power unit (自备电厂) of a cement works is thermal power: air quota from thermal power only
    (project(industry_code="3011", key_heavy_metal_industry="", power_unit=True),
     source(pollutant_code="SO2", industry_code="3011", key_heavy_metal_industry=""), False),
    (project(industry_code="3011", key_heavy_metal_industry="", power_unit=True),
     source(pollutant_code="SO2", industry_code="2511", key_heavy_metal_industry="", power_unit=True), True),
    # combined heat and power is thermal power; only its heating part may draw from other industries
    (project(industry_code="4412", key_heavy_metal_industry=""),
     source(pollutant_code="SO2", industry_code="3011", key_heavy_metal_industry=""), False),
    (project(industry_code="4412", key_heavy_metal_industry="", chp_heating=True),
     source(pollutant_code="SO2", industry_code="3011", key_heavy_metal_industry=""), True),
    # a captive unit's reduction is a thermal-power reduction: not for another industry's 44.9 m stack ...
    (project(industry_code="3011", key_heavy_metal_industry="", stack_height_m=Decimal("44.9")),
     source(pollutant_code="SO2", industry_code="2511", key_heavy_metal_industry="", power_unit=True), False),
    # ... fine for a 45 m one, and for a CHP project whatever its stack
    (project(industry_code="3011", key_heavy_metal_industry="", stack_height_m=Decimal("45")),
     source(pollutant_code="SO2", industry_code="2511", key_heavy_metal_industry="", power_unit=True), True),
    (project(industry_code="4412", key_heavy_metal_industry="", stack_height_m=Decimal("30")),
     source(pollutant_code="SO2", industry_code="4412", key_heavy_metal_industry=""), True),
    # coated paper (2223) is paper: its water quota comes from industry, not from a farm
    (project(industry_code="2223", key_heavy_metal_industry=""),
     source(pollutant_code="COD", industry_code="0313", key_heavy_metal_industry=""), False),
])
def test_shanxi_thermal_power_covers_captive_units_and_chp(proj, src, eligible):
    """Seed 003 Art 16: 火电建设项目(含其他行业的自备电厂)...热电联产机组供热部分...可来源于其他行业; 火电机组削减量原则上不得用于
    其他行业排放筒小于45米的建设项目; 造纸、印染等建设项目主要水污染物排放总量指标应来源于工业企业."""
    factor = COD if src.pollutant_code == "COD" else SO2
    reason = shanxi.ineligible(src, proj, factor, TODAY)
    assert (reason is None) == eligible, reason
    if not eligible:
        assert "第十六条" in reason
