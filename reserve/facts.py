"""Turning database rows into the plain facts the rule sets of accounting/ work on, and the city's
rule set itself. The one bridge between the pool's models and the pure rules."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting import rulesets
from accounting.projects import Factor, Project, Source
from quota_registry.reference.models import IndicatorLink, QualityIndicator, QualityStatus, Region

from .models import AccountKind, Holding, Lot, LotStatus


def rule_set() -> rulesets.RuleSet:
    return rulesets.get(settings.PORTAL_RULE_SET,
                        non_attainment_multiple=Decimal(settings.PORTAL_NON_ATTAINMENT_MULTIPLE))


def factor(pollutant) -> Factor:
    return Factor(code=pollutant.code, name=pollutant.name, category=pollutant.category, unit=pollutant.unit)


def deciding_indicators(year: int | None) -> dict:
    """pollutant code -> indicators that decide its ratio, from the city's set in force for `year`."""
    qs = IndicatorLink.objects.select_related("pollutant")
    if year is not None:
        first = qs.filter(valid_from_year__lte=year).order_by("-valid_from_year").values_list("valid_from_year", flat=True)[:1]
    else:
        first = qs.order_by("-valid_from_year").values_list("valid_from_year", flat=True)[:1]
    result: dict[str, list[str]] = {}
    for link in qs.filter(valid_from_year__in=list(first)):
        result.setdefault(link.pollutant.code, []).append(link.indicator)
    return result


def project_facts(*, region: Region, industry, watershed=None, major_project=False, two_high=False,
                  clean_energy=False, relocation=False, stack_height_m=None, today: datetime.date | None = None) -> Project:
    """The project as the rules see it, with the county's latest recorded quality status (up to this year)."""
    today = today or timezone.localdate()
    statuses = QualityStatus.objects.filter(region=region, year__lte=today.year)
    year = statuses.order_by("-year").values_list("year", flat=True).first()
    recorded = {s.indicator: s.attains for s in statuses.filter(year=year)} if year else {}
    sheds = [watershed.code] if watershed else list(region.watersheds.values_list("code", flat=True))
    return Project(
        region_code=region.code, region_name=region.name, heavy_metal_key_area=region.heavy_metal_key_area,
        industry_code=industry.code, key_heavy_metal_industry=industry.key_heavy_metal_industry,
        watershed_codes=frozenset(sheds), major_project=major_project, two_high=two_high, clean_energy=clean_energy,
        relocation=relocation, stack_height_m=stack_height_m, quality_year=year,
        failing=frozenset(i for i, ok in recorded.items() if not ok),
        missing=frozenset(i for i in QualityIndicator.values if i not in recorded),
        deciding=deciding_indicators(year), indicator_names={k: str(v) for k, v in QualityIndicator.choices},
    )


def source(lot: Lot) -> Source:
    return Source(pollutant_code=lot.pollutant.code, region_code=lot.region.code,
                  watershed_code=lot.watershed.code if lot.watershed_id else None, industry_code=lot.industry.code,
                  key_heavy_metal_industry=lot.industry.key_heavy_metal_industry, status=lot.status,
                  valid_until=lot.valid_until, earmarked=lot.earmarked)


def pool_lots(pollutant, today: datetime.date):
    """Lots of a factor with quantity in the pool that could be eligible (complete and not expired), each
    annotated with `available` (its pool holding)."""
    pool_qty = Holding.objects.filter(lot=OuterRef("pk"), account__kind=AccountKind.POOL).values("lot").annotate(
        q=Sum("quantity")).values("q")[:1]
    return (Lot.objects.filter(pollutant=pollutant, status=LotStatus.ACTIVE, valid_until__gte=today)
            .select_related("pollutant", "region", "watershed", "industry", "enterprise")
            .annotate(available=Coalesce(Subquery(pool_qty, output_field=DecimalField(max_digits=20, decimal_places=4)),
                                         Decimal("0")))
            .filter(available__gt=0))
