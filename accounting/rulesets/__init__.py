"""Rule sets: the parameters and rules one city or province applies. A city chooses its rule set by
name in settings (PORTAL_RULE_SET); nothing else in the code depends on which one it is."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSet:
    code: str
    name: str
    validity_years: int  # entered quota stays valid this many years from 1 January after verification
    permit_change_working_days: int  # Art 17: the transferor's permit change deadline


_REGISTRY: dict[str, RuleSet] = {}


def register(rule_set: RuleSet) -> RuleSet:
    _REGISTRY[rule_set.code] = rule_set
    return rule_set


def get(code: str) -> RuleSet:
    from . import qujing, shaanxi  # noqa: F401  (modules register themselves)

    try:
        return _REGISTRY[code]
    except KeyError as exc:
        raise LookupError(f"unknown rule set {code!r}; known: {sorted(_REGISTRY)}") from exc
