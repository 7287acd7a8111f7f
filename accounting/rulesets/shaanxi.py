"""Shaanxi (seed 001, 陕西省排污权有偿使用和交易办法): the transferor's permit is updated within 15 working
days; quota stays valid 5 years from 1 January after verification (Art 15). Ratios follow the national
rule (倍量 where the county fails the standard, else 等量; heavy metals 1.2:1 in key areas)."""
from decimal import Decimal

from ..projects import HEAVY_METAL, Factor, Project, RatioResult
from .base import RuleSet, register


@register
class Shaanxi(RuleSet):
    code = "shaanxi"
    name = "陕西省（种子文件001）"
    validity_years = 5
    permit_change_working_days = 15

    def ratio(self, project: Project, factor: Factor, new_emission: Decimal, *,
              project_emissions: dict | None = None) -> RatioResult:
        if factor.category == HEAVY_METAL:
            return self.heavy_metal_ratio(project, factor, new_emission)
        return self.quality_ratio(project, factor, new_emission, "环办环评〔2020〕36号")
