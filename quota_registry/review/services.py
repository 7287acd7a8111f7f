"""What applications of any kind share besides their workflow (quota_registry/review/engine.py): gap-free numbers,
who the applicant is, editing a draft and adding evidence to it."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry import jurisdiction
from quota_registry.access import get_scoped_or_404
from quota_registry.files.services import attachments_add
from quota_registry.inputs import check_text
from quota_registry.orgs.models import Role

from .engine import kind_for
from .errors import TransitionNotAllowed
from .models import NumberSequence

__all__ = ["TransitionNotAllowed", "next_number", "is_applicant", "lock_for_edit", "add_evidence"]


def next_number(prefix: str, *, today: datetime.date | None = None, region=None) -> str:
    """PREFIX + year + 6 digits, gap-free within a year (the counter row is locked). Each city numbers its own
    records (issue 19): a record located in a city other than the main one (`region`: its county or city) has the
    city's division code after the prefix and a counter of its own, RK53252026000001 in Honghe; the main city's
    numbers stay as they were, RK2026000001."""
    year = (today or timezone.localdate()).year
    city_id = jurisdiction.city_id_of(getattr(region, "pk", region)) if region is not None else None
    if city_id is not None and city_id != jurisdiction.main_city_id():
        from quota_registry.reference.models import Region

        prefix = f"{prefix}{Region.objects.filter(pk=city_id).values_list('code', flat=True).get()[:4]}"
    NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix, year=year)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.value += 1
    seq.save(update_fields=["value"])
    return f"{prefix}{year}{seq.value:06d}"


def is_applicant(actor, application) -> bool:
    """The enterprise's users, or, for what a county bureau filed (Art 9), that county's reviewers."""
    if actor is None:
        return False
    if application.filed_by_county:
        return actor.role == Role.COUNTY_REVIEWER and actor.organisation.region_id == application.region_id
    return actor.role == Role.ENTERPRISE_USER and actor.organisation_id == application.applicant_id


def lock_for_edit(actor, model, pk: int):
    """The application, locked, if `actor` is its applicant and it is a draft or returned; else 404/403/409."""
    application = get_scoped_or_404(actor, model.objects.select_for_update(of=("self",)), pk=pk)
    if not is_applicant(actor, application):
        raise PermissionDenied(_("Only the applicant may change this application."))
    if not application.is_editable:
        raise TransitionNotAllowed(application.status, "edit",
                                   label=kind_for(model).state_label(application.status))
    return application


@transaction.atomic
def add_evidence(*, actor, model, pk: int, files, purpose: str = "") -> list:
    """Evidence files for a draft or returned application of any kind (the applicant only)."""
    application = lock_for_edit(actor, model, pk)
    purpose = check_text(purpose, field="purpose", label=_("Purpose"), limit=200)
    return attachments_add(actor=actor, owner=application, files=files, purpose=purpose,
                           organisation=application.applicant, region=application.region)
