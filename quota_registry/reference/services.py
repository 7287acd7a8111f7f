"""Writes to reference data kept by city staff."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from quota_registry.audit.services import record, snapshot
from quota_registry.permissions import can_maintain_reference_data, require

from .models import QualityStatus, Region, RegionLevel


@transaction.atomic
def quality_status_set(*, actor, region: Region, year: int, indicator: str, attains: bool,
                       basis: str = "") -> QualityStatus:
    """Record (or correct) whether `region` attained the standard for `indicator` in `year`.
    The previous value is kept in the audit trail."""
    require(can_maintain_reference_data(actor))
    if region.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("Quality status is kept per county-level division.")})
    existing = (
        QualityStatus.objects.select_for_update().filter(region=region, year=year, indicator=indicator).first()
    )
    if existing and existing.attains == attains and existing.basis == basis:
        return existing  # nothing changed: no new audit row
    before = snapshot(existing) if existing else None
    status = existing or QualityStatus(region=region, year=year, indicator=indicator)
    status.attains = attains
    status.basis = basis
    status.updated_by = actor
    status.full_clean(validate_unique=existing is None)
    status.save()
    record(
        actor=actor, action="quality_status.update" if existing else "quality_status.create", obj=status,
        before=before, after=snapshot(status),
    )
    return status
