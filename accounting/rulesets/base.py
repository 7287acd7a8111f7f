"""The interface every rule set implements, and their registry (accounting/rulesets/__init__.py looks them up).

Rule sets: the parameters and rules one city or province applies, one module each. A city chooses
its rule set by name (settings.PORTAL_RULE_SET); services call only the interface of `RuleSet`, so a
city switches rules without any change elsewhere.

Interface:
- `ratio(project, factor, new_emission)` -> RatioResult(ratio, required, reason citing the rule)
- `ineligible(source, project, factor, today)` -> None if the lot may serve the project, else why not
- `priority(source, project)` -> sort key: lower is used first by the automatic allocator
- `shortfall_only(source, project, factor)` -> True for sources usable only when better ones are exhausted
- parameters: validity_years, permit_change_working_days, non_attainment_multiple
"""
from __future__ import annotations

import datetime
from decimal import ROUND_UP, Decimal

from django.utils.translation import gettext as _

from ..projects import HEAVY_METAL, WATER, Factor, Project, RatioResult, Source
from ..quantities import PLACES


class RuleSet:
    code = ""
    name = ""
    validity_years = 5
    permit_change_working_days = 30
    non_attainment_multiple = Decimal("2")
    heavy_metal_key_area_ratio = Decimal("1.2")
    # The city's restrictions that stop new quota accounting and new quota (seed 001 guide Art 4: violations not
    # rectified); Shanxi adds last year's missed reduction target (seed 003 Art 4).
    blocking_restrictions = ("unrectified_violation",)
    # (working days, article) the bureau has to decide an application from its submission, or None: Qujing's measures
    # set none; Shanxi: 10 working days (seed 003 Art 10)
    review_time_limit: tuple | None = None

    def __init__(self, *, non_attainment_multiple: Decimal | None = None):
        if non_attainment_multiple is not None:
            self.non_attainment_multiple = Decimal(non_attainment_multiple)

    # -- ratios ---------------------------------------------------------------------------------------------
    def quality_year(self, today: datetime.date, recorded_years: list[int]) -> int | None:
        """The year whose environmental quality decides the ratio: the latest recorded up to this year (Qujing Art 13
        names no year). `recorded_years`: the county's recorded years up to today's, newest first."""
        return recorded_years[0] if recorded_years else None

    @staticmethod
    def required(new_emission: Decimal, ratio: Decimal) -> Decimal:
        """new emissions x ratio, rounded UP to 4 places: the project never gets less than the rule asks."""
        return (Decimal(new_emission) * ratio).quantize(PLACES, rounding=ROUND_UP)

    def _result(self, new_emission, ratio, reason) -> RatioResult:
        return RatioResult(ratio=ratio, required=self.required(new_emission, ratio), reason=reason)

    def quality_ratio(self, project: Project, factor: Factor, new_emission: Decimal, article: str) -> RatioResult:
        """倍量/等量 by the county's attainment of the indicators that decide this factor (city data)."""
        deciding = project.deciding.get(factor.code, ())
        year = project.quality_year
        failing = [i for i in deciding if i in project.failing]
        missing = [i for i in deciding if i in project.missing]
        names = project.indicator_names
        m = self.non_attainment_multiple
        if failing:
            return self._result(new_emission, m, _(
                "%(county)s did not attain the %(indicators)s standard in %(year)s: %(factor)s is replaced at "
                "%(m)s:1 (%(article)s).") % {"county": project.region_name, "year": year, "factor": factor.name,
                                            "indicators": "、".join(names.get(i, i) for i in failing), "m": _fmt(m),
                                            "article": article})
        if missing:
            return self._result(new_emission, m, _(
                "No %(indicators)s status is recorded for %(county)s: %(factor)s is replaced at %(m)s:1, as if the "
                "standard were not attained, until the city records it (%(article)s).") % {
                "county": project.region_name, "factor": factor.name, "m": _fmt(m), "article": article,
                "indicators": "、".join(names.get(i, i) for i in missing)})
        if not deciding:
            return self._result(new_emission, Decimal(1), _(
                "No quality indicator decides %(factor)s: equal replacement 1:1 (%(article)s).") % {
                "factor": factor.name, "article": article})
        return self._result(new_emission, Decimal(1), _(
            "%(county)s attained the %(indicators)s standard in %(year)s: %(factor)s is replaced 1:1 (%(article)s).") % {
            "county": project.region_name, "year": year, "factor": factor.name, "article": article,
            "indicators": "、".join(names.get(i, i) for i in deciding)})

    def heavy_metal_ratio(self, project: Project, factor: Factor, new_emission: Decimal) -> RatioResult:
        if project.heavy_metal_key_area:
            r = self.heavy_metal_key_area_ratio
            return self._result(new_emission, r, _(
                "%(county)s is a heavy-metal pollution key area: reduction replacement at %(r)s:1 (Art 13; "
                "环固体〔2022〕17号).") % {"county": project.region_name, "r": _fmt(r)})
        return self._result(new_emission, Decimal(1), _(
            "%(county)s is not a heavy-metal key area: equal replacement 1:1 (Art 13).") % {
            "county": project.region_name})

    def ratio(self, project: Project, factor: Factor, new_emission: Decimal, *,
              project_emissions: dict | None = None) -> RatioResult:
        """`project_emissions` (code -> (category, new emission)) for rules that look at the whole project."""
        raise NotImplementedError

    # -- sources --------------------------------------------------------------------------------------------
    def ineligible(self, source: Source, project: Project, factor: Factor, today: datetime.date) -> str | None:
        """The reasons every rule set shares (Arts 11-12 of Qujing; the same in seed 003)."""
        if source.pollutant_code != factor.code:
            return _("a lot of another pollutant")
        if source.status == "planned":
            return _("the planned reduction is not yet complete")
        if source.status != "active" or source.valid_until < today:
            return _("expired or revoked")
        if source.earmarked and not project.major_project:
            return _("reserved for major projects")
        if factor.category == WATER and project.receiving_watershed is None:
            return _("a water factor needs the project's receiving watershed (Art 12)")
        if factor.category == WATER and source.watershed_code != project.receiving_watershed:
            return _("water quota must come from the same watershed (Art 12)")
        if factor.category == HEAVY_METAL and not source.key_heavy_metal_industry:
            return _("heavy-metal quota must come from a key heavy-metal industry")
        return None

    def shortfall_only(self, source: Source, project: Project, factor: Factor) -> bool:
        """Heavy metals: other key industries only for what the project's own key industry cannot cover."""
        return (factor.category == HEAVY_METAL and bool(project.key_heavy_metal_industry)
                and source.key_heavy_metal_industry != project.key_heavy_metal_industry)

    def own_replacement(self, project: Project, factor: Factor) -> str | None:
        """Why a project may not count the reduction from dismantling dispersed coal-fired units as its own replacement
        source (None: it may). Qujing's measures have no such rule."""
        return _("Dismantled dispersed coal-fired units count as a project's own replacement source only under "
                 "Shanxi's rules (seed 003 Art 19).")

    def project_quota_offer(self, *, paid: bool) -> str | None:
        """Why an enterprise may not offer the quota of one of its projects' accounts for sale (None: it may). Qujing
        Art 9: a project not built, or whose process changed, applies to return the quota to the pool."""
        return _("Quota in a project's account is not sold: if the project is not built, apply to return it to the "
                 "pool (Art 9).")

    def priority(self, source: Source, project: Project, factor: Factor) -> tuple:
        """Same key industry first (heavy metals), then same county, same watershed, city-wide; within each, units under
        permit management first (Art 11: 优先来源于排污许可管理的排污单位); earliest expiry."""
        return (
            1 if self.shortfall_only(source, project, factor) else 0,
            0 if source.region_code == project.region_code else 1 if source.watershed_code in project.watershed_codes else 2,
            0 if source.permit_managed else 1,
            source.valid_until,
        )


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


_REGISTRY: dict[str, type[RuleSet]] = {}


def register(cls: type[RuleSet]) -> type[RuleSet]:
    _REGISTRY[cls.code] = cls
    return cls
