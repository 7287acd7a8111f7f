"""The limits of a transfer between cities (accounting/transfers.py; seed 003 Art 21)."""
import pytest
from django.utils import translation

from accounting.transfers import Receiving, Source, refusal


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def receiving(**kw):
    return Receiving(**{"city": "532500", "county_name": "个旧市", "attains": True, "air_key_area": False,
                        "basin": "珠江流域", **kw})


def source(**kw):
    return Source(**{"city": "530300", "county_name": "麒麟区", "air_key_area": False, "basin": "珠江流域", **kw})


def test_water_only_within_one_basin_art_21_1():
    assert refusal(category="water", factor_name="化学需氧量", receiving=receiving(), source=source()) is None
    why = refusal(category="water", factor_name="化学需氧量", receiving=receiving(basin="红河流域"), source=source())
    assert "同一流域" in why and "第二十一条第（一）项" in why and "珠江流域" in why and "红河流域" in why
    # an air factor is not limited by the basin
    assert refusal(category="air", factor_name="二氧化硫", receiving=receiving(basin="红河流域"), source=source()) is None


def test_a_non_attaining_county_receives_only_from_its_own_city_art_21_2():
    why = refusal(category="air", factor_name="二氧化硫", receiving=receiving(attains=False), source=source())
    assert "个旧市" in why and "第二十一条第（二）项" in why
    same_city = source(city="532500", county_name="蒙自市")
    assert refusal(category="air", factor_name="二氧化硫", receiving=receiving(attains=False), source=same_city) is None
    assert refusal(category="air", factor_name="二氧化硫", receiving=receiving(attains=None), source=source()) is None


def test_a_key_air_control_county_receives_air_only_from_inside_such_an_area_art_21_3():
    why = refusal(category="air", factor_name="氮氧化物", receiving=receiving(air_key_area=True), source=source())
    assert "重点控制区" in why and "第二十一条第（三）项" in why
    assert refusal(category="air", factor_name="氮氧化物", receiving=receiving(air_key_area=True),
                   source=source(air_key_area=True)) is None
    # water is not an air factor
    assert refusal(category="water", factor_name="氨氮", receiving=receiving(air_key_area=True), source=source()) is None


def test_the_province_chooses_its_rules():
    kw = {"category": "water", "factor_name": "化学需氧量", "receiving": receiving(basin="红河流域", attains=False),
          "source": source()}
    assert "第二十一条第（二）项" in refusal(**kw)
    assert "第二十一条第（一）项" in refusal(**kw, rules=("basin",))
    assert refusal(**kw, rules=()) is None
