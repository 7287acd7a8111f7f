"""Plain facts about a construction project, a pollutant factor and a source lot, as the rule sets see
them. Services build these from the database; rule sets never touch the database."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

WATER, AIR, HEAVY_METAL = "water", "air", "heavy_metal"


@dataclass(frozen=True)
class Factor:
    code: str
    name: str
    category: str  # water | air | heavy_metal
    unit: str


@dataclass(frozen=True)
class Project:
    region_code: str
    region_name: str
    heavy_metal_key_area: bool
    industry_code: str
    key_heavy_metal_industry: str = ""  # '' when the project is not in a key heavy-metal industry
    watershed_codes: frozenset = frozenset()  # the watersheds near it (a lot there is preferred, Art 11)
    receiving_watershed: str | None = None  # where its waste water goes: water factors draw from it only (Art 12)
    major_project: bool = False
    two_high: bool = False  # 两高: high energy use, high emissions
    clean_energy: bool = False
    relocation: bool = False  # moving out of the built-up area to improve air quality
    power_unit: bool = False  # a thermal power project: 4411, 4412 or a captive power unit of another industry
    chp_heating: bool = False  # the quota is for the heating part of a combined heat and power unit
    central_heating: bool = False  # a central heating heat source (seed 003 Art 19)
    stack_height_m: Decimal | None = None
    quality_year: int | None = None
    failing: frozenset = frozenset()  # quality indicators the county did not attain in quality_year
    missing: frozenset = frozenset()  # indicators without a recorded status
    deciding: dict = field(default_factory=dict)  # pollutant code -> indicators that decide its ratio (city data)
    indicator_names: dict = field(default_factory=dict)  # indicator -> display name


@dataclass(frozen=True)
class Source:
    """A lot of quota as a candidate source for a project."""

    pollutant_code: str
    region_code: str
    watershed_code: str | None
    industry_code: str
    key_heavy_metal_industry: str
    status: str  # planned | active | expired | revoked
    valid_until: datetime.date
    earmarked: bool
    completed_on: datetime.date | None = None  # when the reduction measure was completed (seed 003 Art 15)
    permit_managed: bool = True  # the reduction comes from a unit under permit management (seed 000 Art 11)
    power_unit: bool = False  # the reduction was made at a thermal power unit, a captive one included (003 Art 16)


@dataclass(frozen=True)
class RatioResult:
    ratio: Decimal
    required: Decimal
    reason: str


def is_agricultural(industry_code: str) -> bool:
    """GB/T 4754 section A (agriculture, forestry, animal husbandry, fishery): divisions 01-05."""
    return industry_code[:2] in {"01", "02", "03", "04", "05"}


def is_industrial(industry_code: str) -> bool:
    """Sections B-D (mining, manufacturing, power/heat/gas/water): divisions 06-46."""
    return industry_code[:2].isdigit() and 6 <= int(industry_code[:2]) <= 46


THERMAL_POWER = {"4411"}
COGENERATION = {"4412"}
# GB/T 4754-2017 paper (221 pulp, 222 paper and paperboard) and dyeing and finishing (印染: the dyeing and finishing
# classes of cotton, wool, hemp, silk, chemical-fibre and knitted fabrics)
PAPER_AND_DYEING = {"2211", "2212", "2221", "2222", "2223", "1713", "1723", "1733", "1743", "1752", "1762"}


def is_thermal_power(industry_code: str) -> bool:
    """Thermal power (火电) by industry: coal/gas-fired generation and combined heat and power (4411, 4412)."""
    return industry_code in THERMAL_POWER | COGENERATION


# Seed 003 Art 12: the new project's quantity is the lowest of three estimates (the permit application and issuance
# technical norm, the EIA source-strength accounting guideline, the emission standard's limit at the most advanced
# level of control).
ESTIMATES = ("permit_norm", "source_strength", "standard_limit")


def lowest_estimate(figures: dict) -> tuple[str, Decimal]:
    """(method, quantity) of the lowest of the three estimates (the first named on a tie)."""
    missing = [m for m in ESTIMATES if figures.get(m) is None]
    if missing:
        raise ValueError(f"missing estimates: {missing}")
    return min(((m, Decimal(figures[m])) for m in ESTIMATES), key=lambda pair: pair[1])
