"""Turning database rows into the plain facts the rule sets of accounting/ work on, and the city's
rule set itself. The one bridge between the pool's models and the pure rules."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounting import rulesets
from accounting.projects import Factor, Project, Source, is_thermal_power
from ledger.models import Holding, Lot, LotStatus
from quota_registry import jurisdiction
from quota_registry.reference.models import IndicatorLink, QualityIndicator, QualityStatus, Region


def rule_set(code: str | None = None) -> rulesets.RuleSet:
    """The rule set a record stored (`code`), or the one a record filed now is decided under."""
    return jurisdiction.rule_set(code)


def factor(pollutant) -> Factor:
    return Factor(code=pollutant.code, name=pollutant.name, category=pollutant.category, unit=pollutant.unit)


def deciding_indicators(year: int | None) -> dict:
    """pollutant code -> indicators that decide its ratio, from the city's set in force for `year`: the set of
    the latest `valid_from_year` up to `year` (one query, newest first, read up to the end of that set)."""
    links = IndicatorLink.objects.all()  # ordered by -valid_from_year, indicator, factor
    if year is not None:
        links = links.filter(valid_from_year__lte=year)
    result: dict[str, list[str]] = {}
    in_force = None
    for valid_from, code, indicator in links.values_list("valid_from_year", "pollutant__code", "indicator"):
        if in_force is not None and valid_from != in_force:
            break
        in_force = valid_from
        result.setdefault(code, []).append(indicator)
    return result


def quality_status(region: Region, today: datetime.date, rules: rulesets.RuleSet) -> tuple[int | None, dict]:
    """The year whose environmental quality the rule set reads for `region` (the latest recorded; Shanxi: the
    previous year's, seed 003 Art 14) and {indicator: attains} recorded for it."""
    statuses = list(QualityStatus.objects.filter(region=region, year__lte=today.year).order_by("-year")
                    .values_list("year", "indicator", "attains"))
    year = rules.quality_year(today, sorted({y for y, _i, _a in statuses}, reverse=True))
    return year, {indicator: attains for y, indicator, attains in statuses if y == year}


def attains(region: Region, pollutant, today: datetime.date, rules: rulesets.RuleSet) -> bool | None:
    """Whether `region` attained every standard that decides `pollutant` in the year the rule set reads (None: not
    recorded)."""
    year, recorded = quality_status(region, today, rules)
    known = [recorded[i] for i in deciding_indicators(year).get(pollutant.code, []) if i in recorded]
    return all(known) if known else None


def project_facts(*, region: Region, industry, watershed=None, major_project=False, two_high=False,
                  clean_energy=False, relocation=False, stack_height_m=None, today: datetime.date | None = None,
                  rules: rulesets.RuleSet | None = None, captive_power=False, chp_heating=False,
                  central_heating=False) -> Project:
    """The project as the rules see it, with the county's quality status of the year the rule set reads (the latest
    recorded; Shanxi: the previous year's, seed 003 Art 14)."""
    today = today or timezone.localdate()
    rules = rules or rule_set()
    year, recorded = quality_status(region, today, rules)
    sheds = [watershed.code] if watershed else list(region.watersheds.values_list("code", flat=True))
    return Project(
        region_code=region.code, region_name=region.name, heavy_metal_key_area=region.heavy_metal_key_area,
        industry_code=industry.code, key_heavy_metal_industry=industry.key_heavy_metal_industry,
        watershed_codes=frozenset(sheds), receiving_watershed=watershed.code if watershed else None,
        major_project=major_project, two_high=two_high, clean_energy=clean_energy,
        relocation=relocation, stack_height_m=stack_height_m, quality_year=year,
        power_unit=captive_power or is_thermal_power(industry.code), chp_heating=chp_heating,
        central_heating=central_heating, failing=frozenset(i for i, ok in recorded.items() if not ok),
        missing=frozenset(i for i in QualityIndicator.values if i not in recorded),
        deciding=deciding_indicators(year), indicator_names={k: str(v) for k, v in QualityIndicator.choices},
    )


def source(lot: Lot) -> Source:
    return Source(pollutant_code=lot.pollutant.code, region_code=lot.region.code,
                  watershed_code=lot.watershed.code if lot.watershed_id else None, industry_code=lot.industry.code,
                  key_heavy_metal_industry=lot.industry.key_heavy_metal_industry, status=lot.status,
                  valid_until=lot.valid_until, earmarked=lot.earmarked, completed_on=lot.completed_on,
                  power_unit=lot.power_unit or is_thermal_power(lot.industry.code),
                  permit_managed=bool(lot.enterprise.permit_number))


def pool_sources(pollutant, today: datetime.date) -> list[tuple[int, Source]]:
    """(lot id, source facts) of each lot of a factor that could be eligible (complete and not expired),
    whatever it holds now. Plain values, not model instances: at city scale a factor has thousands of lots,
    and the allocator weighs every one before it takes the ledger lock."""
    rows = (Lot.objects.filter(pollutant=pollutant, status=LotStatus.ACTIVE, valid_until__gte=today)
            .values_list("pk", "region__code", "watershed__code", "industry__code",
                         "industry__key_heavy_metal_industry", "valid_until", "earmarked", "completed_on", "power_unit",
                         "enterprise__permit_number"))
    return [(lot_id, Source(pollutant_code=pollutant.code, region_code=region, watershed_code=watershed,
                            industry_code=industry, key_heavy_metal_industry=key_industry, status=LotStatus.ACTIVE,
                            valid_until=valid, earmarked=earmarked, completed_on=completed,
                            power_unit=power or is_thermal_power(industry), permit_managed=bool(permit)))
            for lot_id, region, watershed, industry, key_industry, valid, earmarked, completed, power, permit in rows]


def pool_available(pool, lot_ids, today: datetime.date) -> dict[int, Decimal]:
    """lot id -> quantity in the pool account `pool`, for those of `lot_ids` that have some there and are still
    active and valid. By the account itself, not by its kind: then PostgreSQL reads the holdings by
    (account, lot) instead of walking all the pool's holdings."""
    return dict(Holding.objects.filter(account=pool, lot__in=lot_ids, quantity__gt=0, lot__status=LotStatus.ACTIVE,
                                       lot__valid_until__gte=today).values_list("lot_id", "quantity"))


def check_not_restricted(application, *, kinds=None) -> None:
    """Refuse (400) while the city's list holds the applicant, or its county, under a restriction its rule set makes
    blocking (seed 001 guide Art 4; seed 003 Art 4); the message names the entry, its reason, source and date."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from quota_registry.orgs.services import restriction_in_force

    blocking = rule_set(application.rule_set).blocking_restrictions
    found = restriction_in_force(organisation=application.applicant, region=application.region,
                                 kinds=[k for k in blocking if kinds is None or k in kinds], day=timezone.localdate())
    if found is not None:
        raise ValidationError(_("%(entry)s. No new quota until it is lifted (%(article)s).") % {
            "entry": found.describe(),
            "article": _("seed 001 guide Art 4") if found.kind == "unrectified_violation" else _("seed 003 Art 4")})
