"""Shanxi (seed 003): 山西省建设项目主要污染物排放总量核定办法, Arts 14-17.

- Art 15: sources from reductions completed in the previous or the current five-year plan period only.
- Art 14: 2x where the county failed the previous year's air quality (PM2.5 failing: SO2, NOx, PM;
  O3 failing: NOx, VOCs) or water quality (the city's indicator data decides which factors).
- Art 17: small projects (each air factor <= 3 t/a, COD <= 1 t/a, NH3-N <= 0.5 t/a) need no replacement;
  clean-energy or relocated non-"two-high" projects: air factors 1:1.
- Art 16: thermal power draws air quota from thermal power (heat of cogeneration excepted); thermal-power
  reductions not for other industries' stacks under 45 m; paper and dyeing draw water quota from industry;
  agricultural reductions never for industrial projects.
- Art 19: a central heating project's dismantled dispersed coal-fired units are its own air replacement source.
- Art 18: an unbuilt project's quota obtained for a fee may be traded; quota obtained free may not.
- seed 003 sets no permit-change deadline of its own: the national 30 working days apply.
"""
import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from ..projects import (
    AIR,
    HEAVY_METAL,
    PAPER_AND_DYEING,
    WATER,
    Factor,
    Project,
    RatioResult,
    Source,
    is_agricultural,
    is_industrial,
    is_thermal_power,
)
from .base import RuleSet, register


def plan_period(year: int) -> tuple[int, int]:
    """The national five-year plan period holding `year` (the 13th: 2016-2020, the 14th: 2021-2025, ...)."""
    first = 2016 + (year - 2016) // 5 * 5
    return first, first + 4


SMALL_PROJECT_LIMITS = {"COD": Decimal("1"), "NH3N": Decimal("0.5")}
SMALL_AIR_LIMIT = Decimal("3")


@register
class Shanxi(RuleSet):
    code = "shanxi"
    name = "山西省（种子文件003）"
    validity_years = 5
    permit_change_working_days = 30
    blocking_restrictions = ("unrectified_violation", "missed_reduction_target")  # seed 003 Art 4
    review_time_limit = (10, "山西办法第十条")  # the written opinion on the quantity within 10 working days

    def quality_year(self, today: datetime.date, recorded_years: list[int]) -> int | None:
        """Art 14: 上一年度 — the previous calendar year, whatever is recorded for this one; when the previous year is
        not recorded, nothing is (the ratio then says so and replaces as if not attained)."""
        return today.year - 1

    def own_replacement(self, project: Project, factor: Factor) -> str | None:
        """Art 19: the air-pollutant reduction from dismantling the dispersed coal-fired units in a central heating
        project's heating area replaces that project's own emissions; the rest comes by trade."""
        if not project.central_heating:
            return _("Only a central heating heat source counts dismantled dispersed coal-fired units as its own "
                     "replacement source (seed 003 Art 19).")
        if factor.category != AIR:
            return _("Dismantled coal-fired units replace air pollutants only, not %(factor)s (seed 003 Art 19).") % {
                "factor": factor.name}
        return None

    def project_quota_offer(self, *, paid: bool) -> str | None:
        """Art 18: the quota of a project that will not be built may be traded (or used for the unit's other projects)
        when it was obtained for a fee; quota obtained free may not."""
        if paid:
            return None
        return _("The project's quota was obtained free: it may not be traded or used for the unit's other projects "
                 "(seed 003 Art 18).")

    def is_small(self, emissions: dict) -> bool:
        """Art 17: every air factor <= 3 t/a, COD <= 1 t/a and NH3-N <= 0.5 t/a."""
        for code, (category, amount) in emissions.items():
            if category == AIR and amount > SMALL_AIR_LIMIT:
                return False
            if code in SMALL_PROJECT_LIMITS and amount > SMALL_PROJECT_LIMITS[code]:
                return False
        return True

    def ratio(self, project: Project, factor: Factor, new_emission: Decimal, *,
              project_emissions: dict | None = None) -> RatioResult:
        emissions = project_emissions or {factor.code: (factor.category, new_emission)}
        main = factor.category == AIR or factor.code in SMALL_PROJECT_LIMITS
        if main and self.is_small(emissions):
            return self._result(new_emission, Decimal(0), _(
                "Small project (each air factor ≤ 3 t/a, COD ≤ 1 t/a, NH3-N ≤ 0.5 t/a): the quota is approved "
                "without replacement (seed 003 Art 17)."))
        if factor.category == AIR and (project.clean_energy or project.relocation) and not project.two_high:
            return self._result(new_emission, Decimal(1), _(
                "Clean-energy or relocated project that is not “two-high”: air factors are replaced 1:1 "
                "(seed 003 Art 17)."))
        if factor.category == HEAVY_METAL:
            return self.heavy_metal_ratio(project, factor, new_emission)
        return self.quality_ratio(project, factor, new_emission, _("seed 003 Art 14"))

    def ineligible(self, source: Source, project: Project, factor: Factor, today: datetime.date) -> str | None:
        reason = super().ineligible(source, project, factor, today)
        if reason:
            return reason
        first, _last = plan_period(today.year)
        if source.completed_on is None:
            return _("the completion date of the reduction is not recorded (seed 003 Art 15)")
        if source.completed_on.year < first - 5:
            return _("completed in %(year)s, before the previous five-year plan period (%(start)s-%(end)s) "
                     "(seed 003 Art 15)") % {"year": source.completed_on.year, "start": first - 5, "end": first - 1}
        if is_agricultural(source.industry_code) and is_industrial(project.industry_code):
            return _("agricultural reductions may not serve industrial projects (seed 003 Art 16)")
        # 火电建设项目(含其他行业的自备电厂): power units, captive ones and combined heat and power included, draw air
        # quota from thermal power; the heating part of a CHP unit may draw from other industries.
        project_power = project.power_unit or is_thermal_power(project.industry_code)
        source_power = source.power_unit or is_thermal_power(source.industry_code)
        if factor.category == AIR and project_power and not project.chp_heating and not source_power:
            return _("thermal power, captive power units included, draws air quota from thermal power only "
                     "(seed 003 Art 16)")
        if (factor.category == AIR and source_power and not project_power
                and (project.stack_height_m is None or project.stack_height_m < 45)):
            return _("thermal-power reductions may not serve other industries' stacks under 45 m (seed 003 Art 16)")
        if factor.category == WATER and project.industry_code in PAPER_AND_DYEING and not is_industrial(source.industry_code):
            return _("paper and dyeing projects draw water quota from industrial sources (seed 003 Art 16)")
        return None

