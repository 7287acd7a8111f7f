"""Which rules and which review tiers apply to a record: decided by its jurisdiction when it is filed and stored on
it (`rule_set`, `review_tiers`), so that a later decision applies what the record was filed under, not what the
settings say that day.

One deployment serves the cities of a province (issue 19): province -> city -> county. Each city keeps its own pool
and decides under its own rule set: PORTAL_CITY_RULE_SETS names a city's (by its division code), the others use
PORTAL_RULE_SET (accounting/rulesets/: qujing, shanxi, shaanxi), with PORTAL_NON_ATTAINMENT_MULTIPLE. An application
is pre-reviewed by the county and decided by its city; a transfer between cities is approved by the province too.

A record's city is the city of its county: `city_id_of(region_id)`; what a city's staff may see is what is located
in `city_region_ids(city)` (quota_registry/access.py)."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from accounting import rulesets

COUNTY = "county"
CITY = "city"


def rule_set_code(region=None) -> str:
    """The rule set a record filed now in `region` is decided under: its city's."""
    city = city_of(region) if region is not None else None
    overrides = getattr(settings, "PORTAL_CITY_RULE_SETS", {})
    return overrides.get(city.code, settings.PORTAL_RULE_SET) if city is not None else settings.PORTAL_RULE_SET


def rule_set(code: str | None = None) -> rulesets.RuleSet:
    """The rule set `code` (the one a record stored), with the city's parameters."""
    return rulesets.get(code or rule_set_code(),
                        non_attainment_multiple=Decimal(settings.PORTAL_NON_ATTAINMENT_MULTIPLE))


def review_tiers(region=None, *, filed_by_county: bool = False) -> str:
    """The tiers that review an application filed now, in order, comma-separated: the county pre-reviews and the
    city decides; the county's own filing (Art 9) is its pre-review."""
    return CITY if filed_by_county else f"{COUNTY},{CITY}"


# --- province, cities and counties -----------------------------------------------------------------------------------

_DIVISIONS: dict[int, tuple[str, int | None, str]] | None = None  # region id -> (level, parent id, name)


def _divisions() -> dict[int, tuple[str, int | None, str]]:
    """Every division's level, parent and name, read once per process (a few dozen rows, changed only by a migration
    or the reference-data loader); a division not known yet reads them again (`city_id_of`)."""
    global _DIVISIONS
    if _DIVISIONS is None:
        from quota_registry.reference.models import Region

        _DIVISIONS = {pk: (level, parent, name) for pk, level, parent, name in
                      Region.objects.values_list("pk", "level", "parent_id", "name")}
    return _DIVISIONS


def forget_divisions() -> None:
    global _DIVISIONS
    _DIVISIONS = None


def city_id_of(region_id: int | None) -> int | None:
    """The city a county (or the city itself) belongs to; None for the province or nothing."""
    if region_id is None:
        return None
    divisions = _divisions()
    if region_id not in divisions:
        forget_divisions()
        divisions = _divisions()
    level, parent, _name = divisions.get(region_id, (None, None, ""))
    if level == "city":
        return region_id
    if level == "county":
        return parent
    return None


def city_of(region):
    """The city (a Region) of `region` (a Region), or None."""
    from quota_registry.reference.models import Region

    city_id = city_id_of(getattr(region, "pk", region))
    if city_id is None:
        return None
    if getattr(region, "pk", None) == city_id:
        return region
    return Region.objects.get(pk=city_id)


def main_city_id() -> int | None:
    """The deployment's main city (PORTAL_MAIN_CITY, a division code; default the first city): whose reference
    prices the public pages show."""
    from quota_registry.reference.models import Region

    cities_ = Region.objects.filter(level="city")
    return (cities_.filter(code=getattr(settings, "PORTAL_MAIN_CITY", "")).values_list("pk", flat=True).first()
            or cities_.order_by("sort_order", "code").values_list("pk", flat=True).first())


def city_region_ids(city_id: int) -> list[int]:
    """The city and its counties: what a city's staff see is located in one of them."""
    return [city_id, *sorted(pk for pk, (level, parent, _n) in _divisions().items()
                             if parent == city_id and level == "county")]


def division_name(region_id: int) -> str:
    """A division's name without a query (a page of the ledger names a pool with every movement)."""
    return _divisions().get(region_id, (None, None, ""))[2]


def cities():
    from quota_registry.reference.models import Region, RegionLevel

    return Region.objects.filter(level=RegionLevel.CITY)


def counties(user=None, city_id: int | None = None):
    """The county-level divisions a form offers `user` (those of the user's city; every city's for the province's
    staff and the public), or those of `city_id`."""
    from quota_registry.reference.models import Region, RegionLevel

    qs = Region.objects.filter(level=RegionLevel.COUNTY)
    city_id = city_id or (getattr(user, "city_id", None) if user is not None and user.is_authenticated else None)
    return qs.filter(parent_id=city_id) if city_id else qs
