"""Reads of the carbon side for the pages: positions by year, the summary the public page shows, the credit marks
and an enterprise's pollutant quota beside its carbon position."""
from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ledger.models import AccountKind, Holding
from quota_registry.orgs.models import Restriction, RestrictionKind

from . import services


def compliance_year() -> int:
    """The year whose allowances are being surrendered now: last year's emissions."""
    return timezone.localdate().year - 1


def years_of(unit) -> list[int]:
    years = set(unit.reports.values_list("year", flat=True)) | set(unit.allowances.values_list("year", flat=True))
    return sorted(years | {compliance_year()}, reverse=True)


def positions(units, year: int) -> list[dict]:
    """Each unit's position for `year` (the list and the public page)."""
    return [{"unit": u, **services.position(u, year)} for u in units.select_related("enterprise", "region")]


def summary(rows: list[dict]) -> dict:
    """The year's totals: units, verified emissions, compliant, overdue."""
    counted = [r for r in rows if r["obligation"] is not None]
    return {"units": len(rows), "verified": len(counted),
            "emissions": sum((r["obligation"] for r in counted), Decimal("0")),
            "compliant": sum(1 for r in counted if r["compliance"].compliant),
            "overdue": sum(1 for r in counted if r["overdue"])}


def credit_marks(unit):
    return Restriction.objects.filter(organisation=unit.enterprise, kind=RestrictionKind.CARBON_DEFAULT)


def quota_of(enterprise) -> list[dict]:
    """The enterprise's pollutant quota (its accounts' holdings per factor), shown beside its carbon position."""
    totals = {}
    for h in (Holding.objects.filter(account__kind=AccountKind.ENTERPRISE, account__organisation=enterprise,
                                     quantity__gt=0).select_related("lot__pollutant")):
        row = totals.setdefault(h.lot.pollutant.code, {"pollutant": h.lot.pollutant, "quantity": Decimal("0")})
        row["quantity"] += h.quantity
    return sorted(totals.values(), key=lambda r: r["pollutant"].sort_order)
