"""Transfers of quota between the pools of two cities of a province (issue 19): the limits of seed 003 Arts 20-21,
a rule set the province chooses (PORTAL_TRANSFER_RULES). Pure.

- Art 20 (2): the reserve of one city used for a project in another needs both cities' bureaus to agree (and, in
  this portal, the province: the steps of reserve/transfers.py);
- Art 21 (1) "basin": a water factor only within the same river basin;
- Art 21 (2) "non_attainment": a county that does not attain the standard for a factor may not receive it from
  outside its city;
- Art 21 (3) "air_key_area": a county in a key air-pollution control area receives air factors only from inside
  such an area.

Each refusal names the rule and the article.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

RULES = ("basin", "non_attainment", "air_key_area")


@dataclass(frozen=True)
class Receiving:
    """The county a transfer's project is in."""

    city: str  # the city's division code
    county_name: str
    attains: bool | None  # whether the county attained the standard the factor is linked to (None: not recorded)
    air_key_area: bool
    basin: str  # the project's river basin ("" when no water factor is concerned)


@dataclass(frozen=True)
class Source:
    """Where a lot given by the other city's pool comes from."""

    city: str
    county_name: str
    air_key_area: bool
    basin: str  # the lot's watershed's basin ("" when none is recorded)


def refusal(*, category: str, factor_name: str, receiving: Receiving, source: Source,
            rules: tuple[str, ...] = RULES) -> str | None:
    """Why quota of `source` may not be transferred to `receiving`, or None. Only across cities: within one city
    these limits do not apply (Art 21 is about 跨设区市)."""
    if source.city == receiving.city:
        return None
    return receiving_refusal(factor_name=factor_name, receiving=receiving, rules=rules) or _source_refusal(
        category=category, factor_name=factor_name, receiving=receiving, source=source, rules=rules)


def receiving_refusal(*, factor_name: str, receiving: Receiving, rules: tuple[str, ...] = RULES) -> str | None:
    """What forbids the receiving county any quota of the factor from another city, whichever lot it is (Art 21(2))."""
    if "non_attainment" in rules and receiving.attains is False:
        return _("%(county)s does not attain the standard for %(factor)s: it may receive it only from inside its own "
                 "city, not from another city (seed 003 Art 21(2)).") % {"county": receiving.county_name,
                                                                          "factor": factor_name}
    return None


def _source_refusal(*, category, factor_name, receiving, source, rules) -> str | None:
    if "air_key_area" in rules and category == "air" and receiving.air_key_area and not source.air_key_area:
        return _("%(county)s is in a key air-pollution control area: it may receive %(factor)s only from inside such "
                 "an area, and %(source)s is not (seed 003 Art 21(3)).") % {
            "county": receiving.county_name, "factor": factor_name, "source": source.county_name}
    if "basin" in rules and category == "water" and source.basin != receiving.basin:
        return _("%(factor)s is a water pollutant: it may be transferred only within the same river basin, and "
                 "%(source)s (%(from)s) is not in the project's basin (%(to)s) (seed 003 Art 21(1)).") % {
            "factor": factor_name, "source": source.county_name, "from": source.basin or _("no basin recorded"),
            "to": receiving.basin or _("no basin given")}
    return None
