import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounting import reduction, rulesets
from accounting.quantities import QuantityError, quantity
from accounting.validity import valid_until


def test_self_treatment_water_in_tonnes():
    # Eh = 200,000 m3/a x 30 mg/L = 6,000,000 g = 6 t; Ek = 20 - 6 = 14 t/a
    r = reduction.self_treatment(eq="20", max_flow="200000", concentration="30", medium="water", unit="t/a")
    assert r.quantity == Decimal("14.0000")
    assert "Ek = Eq − Eh" in r.formula and "14.0000 t/a" in r.formula


def test_self_treatment_air_in_tonnes():
    # 1e9 m3/a x 35 mg/m3 = 35e9 mg = 35 t; 100 - 35 = 65 t/a
    r = reduction.self_treatment(eq="100", max_flow="1000000000", concentration="35", medium="air", unit="t/a")
    assert r.quantity == Decimal("65.0000")


def test_heavy_metal_in_kilograms():
    # 100,000 m3/a x 0.05 mg/L = 5,000 g = 5 kg; 12 - 5 = 7 kg/a
    r = reduction.self_treatment(eq="12", max_flow="100000", concentration="0.05", medium="water", unit="kg/a")
    assert r.quantity == Decimal("7.0000")


def test_centralised_plant():
    # Efh = 50,000 m3/a x 50 mg/L = 2.5 t; Efk = 8 - 2.5 = 5.5 t/a
    r = reduction.centralised(efq="8", flow="50000", permitted_concentration="50", medium="water", unit="t/a")
    assert r.quantity == Decimal("5.5000") and r.formula.startswith("Efk = Efq − Efh")


def test_plant_upgrade_units():
    # M x (Cq - Ch) = 3,650,000 m3/a x (50 - 30) mg/L = 73,000,000 g = 73 t/a
    r = reduction.plant_upgrade(design_flow="3650000", cq="50", ch="30", unit="t/a")
    assert r.quantity == Decimal("73.0000")


def test_shutdown_credits_initial_quota():
    assert reduction.shutdown(initial_quota="12.3456", unit="t/a").quantity == Decimal("12.3456")


def test_results_round_down_never_up():
    # 1 m3 x 1 mg/L = 1 g = 0.000001 t: below 4 places, so 1 - 0.000001 credits 0.9999
    r = reduction.self_treatment(eq="1", max_flow="1", concentration="1", medium="water", unit="t/a")
    assert r.quantity == Decimal("0.9999")


@pytest.mark.parametrize("call", [
    lambda: reduction.self_treatment(eq="1", max_flow="1000000", concentration="10", medium="water", unit="t/a"),
    lambda: reduction.plant_upgrade(design_flow="1", cq="10", ch="20", unit="t/a"),
    lambda: reduction.shutdown(initial_quota="-1", unit="t/a"),
])
def test_no_reduction_is_an_error(call):
    with pytest.raises(QuantityError):
        call()


def test_compute_dispatch_and_missing_inputs():
    r = reduction.compute("shutdown", {"initial_quota": "3"}, medium="air", unit="t/a")
    assert r.quantity == Decimal("3.0000")
    with pytest.raises(QuantityError, match="Eq"):
        reduction.compute("self_treatment", {"max_flow": "1"}, medium="water", unit="t/a")
    with pytest.raises(QuantityError):
        reduction.compute("plant_upgrade", {"design_flow": "1", "cq": "2", "ch": "1"}, medium="air", unit="t/a")


def test_non_creditable_reasons_listed():
    assert {code for code, _ in reduction.NON_CREDITABLE} == {
        "lower_load", "idle_without_shutdown", "material_or_fuel_only", "part_time_treatment", "part_time_clean_energy"}


def test_floats_are_refused():
    with pytest.raises(QuantityError):
        quantity(1.5)
    with pytest.raises(QuantityError):
        quantity("1.23456")
    assert quantity("1.5") == Decimal("1.5000")


def test_validity_five_years_from_next_january():
    assert valid_until(datetime.date(2026, 3, 15), 5) == datetime.date(2031, 12, 31)
    assert valid_until(datetime.date(2026, 12, 31), 5) == datetime.date(2031, 12, 31)


@pytest.mark.parametrize(("verified", "completed", "until"), [
    (datetime.date(2018, 5, 2), datetime.date(2016, 12, 31), datetime.date(2021, 12, 31)),  # before 2017: from 2017
    (datetime.date(2018, 5, 2), datetime.date(2017, 1, 1), datetime.date(2023, 12, 31)),  # from 2017: year after
    (datetime.date(2019, 7, 1), None, datetime.date(2024, 12, 31)),
    (datetime.date(2016, 3, 1), datetime.date(2015, 6, 1), datetime.date(2021, 12, 31)),
])
def test_validity_of_works_completed_before_2017(verified, completed, until):
    """Seed 001 Art 15: 完成时间在2017年1月1日前的减排工程形成的可交易排污权有效期自2017年1月1日算起5年."""
    assert valid_until(verified, 5, completed=completed) == until


def test_rule_sets_are_selectable():
    assert rulesets.get("qujing").permit_change_working_days == 30
    assert rulesets.get("shaanxi").permit_change_working_days == 15
    assert rulesets.get("shanxi").permit_change_working_days == 30
    with pytest.raises(LookupError):
        rulesets.get("nowhere")


@given(st.decimals(min_value=0, max_value=10**6, places=4), st.decimals(min_value=0, max_value=10**6, places=4))
def test_self_treatment_equals_difference(eq, eh_tonnes):
    # Express Eh as a flow of eh*1e6 m3/a at 1 mg/L (= eh tonnes)
    if eh_tonnes > eq:
        with pytest.raises(QuantityError):
            reduction.self_treatment(eq=eq, max_flow=eh_tonnes * 1000000, concentration=1, medium="water", unit="t/a")
    else:
        r = reduction.self_treatment(eq=eq, max_flow=eh_tonnes * 1000000, concentration=1, medium="water", unit="t/a")
        assert r.quantity == eq - eh_tonnes
