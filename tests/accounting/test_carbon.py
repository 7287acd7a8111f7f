"""Seed 004 (issue 20), the rules alone: the key-emitter threshold and the 5 % CCER cap at their edges."""
from decimal import Decimal

import pytest

from accounting import carbon


@pytest.mark.parametrize(("emissions", "listed"), [
    ("25999.9999", False), ("26000", True), ("26000.0001", True), ("0", False), ("183456.25", True)])
def test_the_key_emitter_threshold(emissions, listed):
    assert carbon.is_key_emitter(Decimal(emissions)) is listed


@pytest.mark.parametrize(("emissions", "energy", "stays"), [
    ("25999.9999", None, False), ("25999.9999", "9999.9999", False), ("25999.9999", "10000", True),
    ("26000", None, True), ("12000", "0", False)])
def test_a_listed_unit_stays_while_either_figure_reaches_the_threshold(emissions, energy, stays):
    assert carbon.stays_listed(Decimal(emissions), Decimal(energy) if energy else None) is stays


@pytest.mark.parametrize(("obligation", "cap"), [
    ("30000", "1500.0000"), ("26000", "1300.0000"), ("31234.5678", "1561.7283")])  # 1561.72839 rounded down
def test_the_ccer_cap_is_five_percent_never_rounded_up(obligation, cap):
    assert carbon.ccer_cap(Decimal(obligation)) == Decimal(cap)


def test_five_percent_exactly_is_accepted_a_hair_above_refused():
    ok = carbon.compliance(obligation=Decimal("40000"), allowances=Decimal("38000"), ccer=Decimal("2000"))
    assert (ok.covered, ok.gap, ok.compliant) == (Decimal("40000"), Decimal("0"), True)
    with pytest.raises(ValueError, match="2000.0001"):
        carbon.compliance(obligation=Decimal("40000"), allowances=Decimal("38000"), ccer=Decimal("2000.0001"))


def test_the_gap_is_what_is_still_to_surrender():
    short = carbon.compliance(obligation=Decimal("52000.5"), allowances=Decimal("45000"), ccer=Decimal("2600"))
    assert (short.covered, short.gap, short.compliant) == (Decimal("47600"), Decimal("4400.5"), False)
    over = carbon.compliance(obligation=Decimal("1000"), allowances=Decimal("1200"), ccer=Decimal("0"))
    assert (over.covered, over.gap) == (Decimal("1000"), Decimal("0"))
    with pytest.raises(ValueError):
        carbon.compliance(obligation=Decimal("1000"), allowances=Decimal("-1"), ccer=Decimal("0"))
