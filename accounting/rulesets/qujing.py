"""Qujing (seed 000): 曲靖市建设项目主要污染物总量指标交易管理办法（试行）, Arts 11-13 and 17."""
from decimal import Decimal

from ..projects import HEAVY_METAL, Factor, Project, RatioResult
from .base import RuleSet, register


@register
class Qujing(RuleSet):
    code = "qujing"
    name = "曲靖市（默认）"
    validity_years = 5
    permit_change_working_days = 30

    def ratio(self, project: Project, factor: Factor, new_emission: Decimal, *,
              project_emissions: dict | None = None) -> RatioResult:
        if factor.category == HEAVY_METAL:
            return self.heavy_metal_ratio(project, factor, new_emission)
        return self.quality_ratio(project, factor, new_emission, "第十三条")
