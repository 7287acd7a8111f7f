"""Which rules and which review tiers apply to a record: decided by its jurisdiction when it is filed and stored on
it (`rule_set`, `review_tiers`), so that a later decision applies what the record was filed under, not what the
settings say that day.

One city today: the rule set is PORTAL_RULE_SET (accounting/rulesets/: qujing, shanxi, shaanxi) with the city's
PORTAL_NON_ATTAINMENT_MULTIPLE, and an application is pre-reviewed by the county and decided by the city. (A
province tier and several cities come with the provincial portal.)"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from accounting import rulesets

COUNTY = "county"
CITY = "city"


def rule_set_code(region=None) -> str:
    """The rule set a record filed now in `region` is decided under."""
    return settings.PORTAL_RULE_SET


def rule_set(code: str | None = None) -> rulesets.RuleSet:
    """The rule set `code` (the one a record stored), with the city's parameters."""
    return rulesets.get(code or rule_set_code(),
                        non_attainment_multiple=Decimal(settings.PORTAL_NON_ATTAINMENT_MULTIPLE))


def review_tiers(region=None, *, filed_by_county: bool = False) -> str:
    """The tiers that review an application filed now, in order, comma-separated: the county pre-reviews and the
    city decides; the county's own filing (Art 9) is its pre-review."""
    return CITY if filed_by_county else f"{COUNTY},{CITY}"
