"""Rule sets: the parameters and rules one city or province applies, one module each (qujing, shanxi, shaanxi),
all implementing `base.RuleSet`. A city chooses its rule set by name; services call only the interface."""
from __future__ import annotations

from ..projects import AIR, HEAVY_METAL, WATER
from .base import _REGISTRY, RuleSet, register


def get(code: str, **parameters) -> RuleSet:
    from . import qujing, shaanxi, shanxi  # noqa: F401  (modules register themselves)

    try:
        return _REGISTRY[code](**parameters)
    except KeyError as exc:
        raise LookupError(f"unknown rule set {code!r}; known: {sorted(_REGISTRY)}") from exc


def available() -> list[tuple[str, str]]:
    from . import qujing, shaanxi, shanxi  # noqa: F401

    return [(code, cls.name) for code, cls in sorted(_REGISTRY.items())]


__all__ = ["RuleSet", "register", "get", "available", "AIR", "WATER", "HEAVY_METAL"]
