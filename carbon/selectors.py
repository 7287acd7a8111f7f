"""Reads of the carbon side for the pages: positions by year, the summary the public page shows, the credit marks
and an enterprise's pollutant quota beside its carbon position."""
from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

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


def delisting_proposals(rows: list[dict]) -> list[dict]:
    """The year's adjustment of the list, from the verified reports (seed 004 item 1): each listed unit whose
    reviewed report for the year is below both thresholds (26,000 t CO2e, 10,000 t of standard coal), for the
    bureau to decide on the unit's page (delisting is a decision with a reason)."""
    from accounting import carbon

    from .models import UnitStatus

    return [r for r in rows if r["unit"].status == UnitStatus.LISTED and r["obligation"] is not None
            and not carbon.stays_listed(r["obligation"], r["report"].energy_tce)]


def summary(rows: list[dict]) -> dict:
    """The year's totals: units, verified emissions, compliant, overdue."""
    counted = [r for r in rows if r["obligation"] is not None]
    return {"units": len(rows), "verified": len(counted),
            "emissions": sum((r["obligation"] for r in counted), Decimal("0")),
            "compliant": sum(1 for r in counted if r["compliance"].compliant),
            "overdue": sum(1 for r in counted if r["overdue"])}


def ledger_entries(unit) -> list[dict]:
    """The unit's allocations and surrenders with their ledger transactions, newest first (the unit's page)."""
    from django.contrib.contenttypes.models import ContentType

    from ledger.models import LedgerTransaction, TransactionKind

    from .models import Allowance

    allocations = dict(LedgerTransaction.objects.filter(
        kind=TransactionKind.ALLOCATE, subject_type=ContentType.objects.get_for_model(Allowance),
        subject_id__in=unit.allowances.values("pk")).values_list("subject_id", "sequence"))
    rows = [{"at": a.recorded_at, "what": _("Allocated"), "year": a.year, "allowances": a.quantity, "ccer": None,
             "reference": a.source, "sequence": allocations.get(a.pk)} for a in unit.allowances.all()]
    rows += [{"at": s.created_at, "what": _("Surrendered"), "year": s.year, "allowances": s.allowances, "ccer": s.ccer,
              "reference": s.registry_reference, "sequence": s.transaction.sequence if s.transaction_id else None}
             for s in unit.surrenders.select_related("transaction")]
    return sorted(rows, key=lambda r: r["at"], reverse=True)


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
