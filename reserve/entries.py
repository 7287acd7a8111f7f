"""Entry applications (入库, Arts 7-9): drafts, evidence, the city's verified figure, and what the common
review workflow does for this kind (issue lots on approval, cancel them on revocation)."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounting import dates, reduction
from accounting.projects import is_thermal_power
from accounting.quantities import QuantityError
from accounting.validity import valid_until
from ledger import services as ledger
from ledger.models import QUOTA_SOURCE_CHOICES, AccountKind, Holding, Lot, LotStatus, SourceKind, TransactionKind
from quota_registry import inputs, jurisdiction
from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import record, snapshot
from quota_registry.files.services import attachments_add, attachments_of
from quota_registry.orgs.models import Organisation, OrganisationKind, Role
from quota_registry.reference.models import Pollutant, PollutantCategory
from quota_registry.review import engine
from quota_registry.review import services as review

from . import facts
from .models import COUNTY_FILED_SOURCES, EntryApplication, EntryItem, Measure
from .rows import FactorRows

APPLICATION_FIELDS = ["source_kind", "measure", "measure_description", "watershed", "permit_number",
                      "completion_evidence", "paid", "power_unit", "evidence_dates", "non_creditable_causes"]
COMPLETION_EVIDENCE_CODES = {code for code, _label in reduction.COMPLETION_EVIDENCE}
NON_CREDITABLE_CODES = {code for code, _label in reduction.NON_CREDITABLE}
METHOD_CODES = {code for code, _label in reduction.METHODS}


def _medium(pollutant: Pollutant, inputs: dict) -> str:
    if pollutant.category == PollutantCategory.WATER:
        return "water"
    if pollutant.category == PollutantCategory.AIR:
        return "air"
    return "air" if inputs.get("medium") == "air" else "water"  # heavy metals: in waste water unless stated


def compute_item(pollutant: Pollutant, method: str, inputs: dict) -> reduction.AccountingResult:
    """The claimed quantity from the accounting inputs (accounting/ does the arithmetic)."""
    return reduction.compute(method, inputs, medium=_medium(pollutant, inputs), unit=pollutant.unit)


def _clean_items(raw_items: list[dict], *, application: EntryApplication, enterprise: Organisation) -> list[EntryItem]:
    """Validate the item rows; errors are keyed items[N].field so pages and the API can show them."""
    rows, items = FactorRows("items"), []
    errors = rows.errors
    today = timezone.localdate()
    if not raw_items:
        raise ValidationError({"items": _("Add at least one pollutant factor.")})
    for index, raw in enumerate(raw_items):
        key = f"items[{index}]"
        pollutant = rows.pollutant(index, raw)
        if pollutant is None:
            continue
        method = raw.get("accounting_method") or reduction.DECLARED
        if method not in METHOD_CODES:
            errors[f"{key}.accounting_method"] = _("Choose an accounting method.")
            continue
        figures = {k: str(v) for k, v in (raw.get("accounting_inputs") or {}).items() if v not in (None, "")}
        if method == reduction.DECLARED and raw.get("quantity") not in (None, ""):
            figures.setdefault("quantity", str(raw["quantity"]))
        try:
            result = compute_item(pollutant, method, figures)
        except QuantityError as exc:
            errors[f"{key}.quantity"] = str(exc)
            continue
        if result.quantity <= 0:
            errors[f"{key}.quantity"] = _("The accounted reduction is zero; nothing can enter the pool.")
            continue
        completed = application.source_kind != SourceKind.PLANNED_REDUCTION
        date = raw.get("completion_date")
        if date in (None, ""):
            errors[f"{key}.completion_date"] = _("Give the completion date (the planned date for a planned measure).")
            continue
        try:
            date = dates.completion_date(date, completed=completed, today=today)
        except dates.DateError as exc:
            errors[f"{key}.completion_date"] = str(exc)
            continue
        best = reduction.best_completion_evidence(
            {code: datetime.date.fromisoformat(day) for code, day in (application.evidence_dates or {}).items()})
        if completed and best and date != best[1]:
            errors[f"{key}.completion_date"] = _(
                "The completion date is fixed by the best evidence given (seed 001 guide Art 12): “%(evidence)s”, "
                "%(date)s.") % {"evidence": dict(reduction.COMPLETION_EVIDENCE)[best[0]], "date": best[1].isoformat()}
            continue
        lapsed = valid_until(today, jurisdiction.rule_set(application.rule_set).validity_years, completed=date)
        if completed and lapsed < today:
            errors[f"{key}.completion_date"] = _(
                "Works completed before 2017 give quota valid until %(date)s (seed 001 Art 15): it has lapsed and "
                "cannot enter the pool.") % {"date": f"{lapsed:%Y-%m-%d}"}
            continue
        try:
            basis = inputs.check_text(raw.get("accounting_basis"), field=f"{key}.accounting_basis",
                                      label=_("Accounting basis"), limit=inputs.DESCRIPTION)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            continue
        recorded = dict(result.inputs)
        if pollutant.category == PollutantCategory.HEAVY_METAL and method in reduction.CONCENTRATION_METHODS:
            recorded["medium"] = _medium(pollutant, figures)  # kept, so the edit page shows 废气 when it was 废气
        item = EntryItem(application=application, pollutant=pollutant, quantity=result.quantity,
                         accounting_method=method, accounting_inputs=recorded, accounting_formula=result.formula[:300],
                         accounting_basis=basis, completed=completed, completion_date=date)
        if application.source_kind == SourceKind.RETURNED_PURCHASE:
            lot_ref = raw.get("returned_lot")
            lot = Lot.objects.filter(pk=getattr(lot_ref, "pk", lot_ref)).first() if lot_ref else None
            held = sum((q for _a, q in _held_by(enterprise, lot)), Decimal(0)) if lot else Decimal(0)
            if lot is None or lot.pollutant_id != pollutant.pk or held <= 0:
                errors[f"{key}.returned_lot"] = _("Choose a lot of this factor that the enterprise holds.")
                continue
            if result.quantity > held:
                errors[f"{key}.quantity"] = _("The enterprise holds only %(held)s %(unit)s of lot %(lot)s.") % {
                    "held": held, "unit": pollutant.unit, "lot": lot.number}
                continue
            item.returned_lot = lot
        items.append(item)
    if not errors and application.watershed_id is None and any(
            i.pollutant.category == PollutantCategory.WATER for i in items):
        errors["watershed"] = _("Water factors are traded within a watershed: choose the watershed of the reduction.")
    if errors:
        raise ValidationError(errors)
    return items


TEXT_FIELDS = {"measure_description": (gettext_lazy("Description of the measure"), inputs.DESCRIPTION),
               "permit_number": (gettext_lazy("Pollutant discharge permit number"),
                                 EntryApplication._meta.get_field("permit_number").max_length)}


def _clean_application(application: EntryApplication, enterprise: Organisation) -> None:
    errors = {}
    for name, (label, limit) in TEXT_FIELDS.items():
        try:
            setattr(application, name, inputs.check_text(getattr(application, name), field=name, label=label,
                                                         limit=limit))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if application.source_kind not in dict(QUOTA_SOURCE_CHOICES):
        errors["source_kind"] = _("Choose the source of the quota.")
    if application.measure not in Measure.values:
        errors["measure"] = _("Choose the reduction measure.")
    if application.completion_evidence and application.completion_evidence not in COMPLETION_EVIDENCE_CODES:
        errors["completion_evidence"] = _("Choose which evidence fixes the completion date.")
    given = {}
    dates_given = application.evidence_dates or {}
    if not isinstance(dates_given, dict):
        errors["evidence_dates"] = _("Give the evidence dates as {kind: date}.")
        dates_given = {}
    for code, value in dates_given.items():
        if code not in COMPLETION_EVIDENCE_CODES:
            errors["evidence_dates"] = _("Unknown kind of completion evidence: %(code)s.") % {"code": str(code)[:40]}
            continue
        if value in (None, ""):
            continue
        try:
            given[code] = inputs.check_date(value, field=f"evidence_dates.{code}",
                                            label=dict(reduction.COMPLETION_EVIDENCE)[code],
                                            today=timezone.localdate(), past=True)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    application.evidence_dates = {code: day.isoformat() for code, day in given.items()}
    best = reduction.best_completion_evidence(given)
    if best:  # seed 001 guide Art 12: the best evidence given fixes which evidence counts
        application.completion_evidence = best[0]
    causes = application.non_creditable_causes or []
    if not isinstance(causes, list) or any(not isinstance(c, str) or c not in NON_CREDITABLE_CODES for c in causes):
        errors["non_creditable_causes"] = _("Choose the causes from the list.")
    region_sheds = list(enterprise.region.watersheds.all())
    if application.watershed_id is None and len(region_sheds) == 1:
        application.watershed = region_sheds[0]
    if application.watershed_id and application.watershed_id not in {w.pk for w in region_sheds}:
        errors["watershed"] = _("%(county)s does not lie in this watershed.") % {"county": enterprise.region.name}
    if errors:
        raise ValidationError(errors)


def _check_filer(actor, enterprise: Organisation, source_kind: str) -> bool:
    """Enterprises file their own reductions and returns; counties file abandoned and revoked quota of an
    enterprise in their county (Art 9). Returns whether the county files it."""
    if enterprise.kind != OrganisationKind.ENTERPRISE or not enterprise.is_active:
        raise ValidationError({"enterprise": _("Choose an active enterprise.")})
    if actor.role == Role.ENTERPRISE_USER:
        if source_kind in COUNTY_FILED_SOURCES:
            raise ValidationError({"source_kind": _("Abandoned surplus and revoked free quota are filed by the county "
                                                    "bureau (Art 9).")})
        return False
    if actor.role == Role.COUNTY_REVIEWER:
        if source_kind not in COUNTY_FILED_SOURCES:
            raise ValidationError({"source_kind": _("A county bureau files only abandoned surplus and revoked free "
                                                    "quota; the enterprise files its own reductions.")})
        return True
    raise PermissionDenied(_("Your role does not allow filing entry applications."))


@transaction.atomic
def entry_create(*, actor, data: dict, items: list[dict], enterprise: Organisation | None = None,
                 files=(), today: datetime.date | None = None) -> EntryApplication:
    if actor.role == Role.ENTERPRISE_USER:
        enterprise = actor.organisation
    elif enterprise is None:
        raise ValidationError({"enterprise": _("Choose the enterprise this application is for.")})
    else:
        enterprise = get_scoped_or_404(actor, Organisation, pk=enterprise.pk)
    by_county = _check_filer(actor, enterprise, data.get("source_kind", ""))
    application = EntryApplication(applicant=enterprise, region=enterprise.region, filed_by_county=by_county,
                                   created_by=actor, permit_number=enterprise.permit_number,
                                   rule_set=jurisdiction.rule_set_code(enterprise.region),
                                   review_tiers=jurisdiction.review_tiers(enterprise.region, filed_by_county=by_county))
    for name in APPLICATION_FIELDS:
        if name in data and data[name] is not None:
            setattr(application, name, data[name])
    if not application.permit_number:
        application.permit_number = enterprise.permit_number
    _clean_application(application, enterprise)
    clean_items = _clean_items(items, application=application, enterprise=enterprise)
    application.number = review.next_number("RK", today=today, region=application.region_id)
    application.save()
    for item in clean_items:
        item.application = application
    EntryItem.objects.bulk_create(clean_items)
    attachments_add(actor=actor, owner=application, files=files, organisation=enterprise, region=enterprise.region)
    record(actor=actor, action="entryapplication.create", obj=application,
           after={**snapshot(application), "items": _items_snapshot(application)})
    engine.request_documents(application, actor)
    return application


def _items_snapshot(application) -> list:
    return [{"pollutant": i.pollutant.code, "quantity": str(i.quantity), "method": i.accounting_method,
             "completion_date": i.completion_date.isoformat()} for i in application.items.select_related("pollutant")]


@transaction.atomic
def entry_update(*, actor, pk: int, data: dict, items: list[dict] | None = None) -> EntryApplication:
    """Change a draft or a returned application (the applicant only)."""
    application = review.lock_for_edit(actor, EntryApplication, pk)
    before = {**snapshot(application), "items": _items_snapshot(application)}
    if "source_kind" in data and data["source_kind"] != application.source_kind:
        _check_filer(actor, application.applicant, data["source_kind"])
    for name in APPLICATION_FIELDS:
        if name in data and data[name] is not None:
            setattr(application, name, data[name])
    _clean_application(application, application.applicant)
    if items is not None:
        clean_items = _clean_items(items, application=application, enterprise=application.applicant)
        application.items.all().delete()  # draft rows; the audit row keeps the previous version
        EntryItem.objects.bulk_create(clean_items)
    application.save()
    record(actor=actor, action="entryapplication.update", obj=application, before=before,
           after={**snapshot(application), "items": _items_snapshot(application)})
    engine.request_documents(application, actor)
    return application


def entry_add_evidence(*, actor, pk: int, files, purpose: str = "") -> list:
    return review.add_evidence(actor=actor, model=EntryApplication, pk=pk, files=files, purpose=purpose)


def set_verified_quantity(ctx) -> EntryItem:
    """The effect of the city's "verify" step: the item's claimed figure is replaced by the figure the city verified,
    with the reason (the step's input, in the decision record), before the decision."""
    item = ctx.record.items.select_related("pollutant").get(pk=ctx.values["item"])
    item.verified_quantity, item.verified_reason, item.verified_by = (
        ctx.values["quantity"], ctx.values["reason"], ctx.actor)
    item.save(update_fields=["verified_quantity", "verified_reason", "verified_by"])
    return item


def item_choices(application, actor=None) -> list[tuple[int, str]]:
    """The items of an application, as the verify step offers them."""
    return [(i.pk, f"{i.pollutant.name} {i.quantity} {i.pollutant.unit}")
            for i in application.items.select_related("pollutant")]


def issue_lots(application: EntryApplication, actor) -> list[Lot]:
    """City approval: one lot per item into the pool (one ledger transaction), returns back to the pool."""
    today = timezone.localdate()
    enterprise = application.applicant
    lots, return_legs = [], []
    pool = ledger.pool(application.region_id)
    for item in application.items.select_related("pollutant"):
        q = item.effective_quantity
        if q <= 0:
            continue
        if item.returned_lot_id:
            return_legs += _return_legs(enterprise, item.returned_lot, q, pool)
            continue
        if item.pollutant.category == PollutantCategory.WATER and application.watershed_id is None:
            raise ValidationError(_("Choose the watershed of a water-factor reduction before approval."))
        lot = Lot(
            number=review.next_number("ZB", region=application.region_id), pollutant=item.pollutant, quantity=q,
            enterprise=enterprise,
            region=application.region, watershed=application.watershed, industry=enterprise.industry,
            source_kind=application.source_kind, paid=application.paid,
            earmarked=application.source_kind in COUNTY_FILED_SOURCES,
            power_unit=application.power_unit or is_thermal_power(enterprise.industry.code),  # seed 003 Art 16
            status=LotStatus.ACTIVE if item.completed else LotStatus.PLANNED, verified_on=today,
            valid_until=valid_until(today, jurisdiction.rule_set(application.rule_set).validity_years,
                                    completed=item.completion_date if item.completed else None),
            completed_on=item.completion_date if item.completed else None,
        )
        lots.append((item, lot))
    ledger.issue(actor=actor, lots=[lot for _item, lot in lots], subject=application,
                 memo=_("Entry %(number)s approved") % {"number": application.number})
    for item, lot in lots:
        item.lot = lot
        item.save(update_fields=["lot"])
    if return_legs:
        ledger.post(actor=actor, kind=TransactionKind.RETURN, legs=return_legs, subject=application,
                    memo=_("Unused quota returned by %(number)s") % {"number": application.number})
    return [lot for _item, lot in lots]


def _held_by(enterprise, lot) -> list[tuple]:
    """(account, quantity) of each of the enterprise's accounts holding the lot: its general account first, then the
    accounts of its projects (quota withdrawn or bought for a project that was not built, Art 9)."""
    rows = (Holding.objects.filter(account__kind=AccountKind.ENTERPRISE, account__organisation=enterprise, lot=lot,
                                   quantity__gt=0).select_related("account").order_by("account__reference", "account_id"))
    return [(h.account, h.quantity) for h in rows]


def _return_legs(enterprise, lot, quantity, pool) -> list:
    """Art 9: unused quota goes back to the pool from the enterprise's accounts that hold it (general first)."""
    legs = []
    for account, held in _held_by(enterprise, lot):
        take = min(held, quantity)
        if take > 0:
            legs.append(ledger.Leg(lot, account, pool, take))
            quantity -= take
    if quantity > 0:
        raise ValidationError(_("The enterprise no longer holds enough of lot %(lot)s to return.") % {"lot": lot.number})
    return legs


def revoke_lots(application: EntryApplication, actor, reason: str) -> dict:
    """Art 25: what of the application's lots is still in the pool leaves to CANCELLED; what was already
    held or used stays where it is and is reported as a discrepancy to follow up."""
    cancelled = ledger.account(AccountKind.CANCELLED)
    ledger.lock()  # before reading what is in the pool: the expiry cannot move it meanwhile (ledger/locks.py)
    legs, discrepancy = [], {}
    lots = list(Lot.objects.filter(entry_item__application=application).select_related("pollutant"))
    for lot in lots:
        # in any city's pool: a transfer between cities may have moved part of the lot to another's
        pools = list(Holding.objects.filter(lot=lot, account__kind=AccountKind.POOL, quantity__gt=0)
                     .select_related("account"))
        legs += [ledger.Leg(lot, h.account, cancelled, h.quantity) for h in pools]
        in_pool = sum((h.quantity for h in pools), Decimal("0"))
        if lot.quantity - in_pool > 0:
            discrepancy[lot.number] = str(lot.quantity - in_pool)
    if legs:
        ledger.post(actor=actor, kind=TransactionKind.REVOKE, legs=legs, subject=application,
                    memo=_("Entry %(number)s revoked: %(reason)s") % {"number": application.number, "reason": reason})
    Lot.objects.filter(pk__in=[lot.pk for lot in lots]).update(status=LotStatus.REVOKED)
    return discrepancy


def lot_discrepancy(lot: Lot) -> Decimal:
    """For a revoked lot: the quantity that had already left the pool (held, withdrawn or transferred)."""
    cancelled = Holding.objects.filter(lot=lot, account__kind=AccountKind.CANCELLED).first()
    return lot.quantity - (cancelled.quantity if cancelled else Decimal(0))


def record_completion(ctx) -> Lot:
    """The effect of the city's "complete" step on a planned lot: the measure's completion date and evidence; the lot
    is then available (the step's target)."""
    lot = ctx.record
    lot.completed_on, lot.completion_evidence = ctx.values["completed_on"], ctx.values["evidence"]
    # seed 001 Art 15: the measure is verified now, so the validity counts from now (or from 2017 for old works)
    years = jurisdiction.rule_set(lot.entry_item.application.rule_set).validity_years if hasattr(lot, "entry_item") \
        else jurisdiction.rule_set().validity_years
    lot.valid_until = valid_until(timezone.localdate(), years, completed=lot.completed_on)
    if lot.valid_until < timezone.localdate():
        raise ValidationError({"completed_on": _(
            "Works completed before 2017 give quota valid until %(date)s (seed 001 Art 15): it has lapsed and "
            "cannot become available.") % {"date": f"{lot.valid_until:%Y-%m-%d}"}})
    lot.save(update_fields=["completed_on", "completion_evidence", "valid_until"])
    attachments_add(actor=ctx.actor, owner=lot, files=ctx.values.get("files") or (), purpose=_("completion evidence"),
                    organisation=lot.enterprise, region=lot.region)
    return lot


def check_submission(actor, application, values) -> None:
    """Before an entry is submitted: its factors, its evidence, an active enterprise."""
    if not application.items.exists():
        raise ValidationError({"items": _("Add at least one pollutant factor before submitting.")})
    if not attachments_of(application).exists():
        raise ValidationError({"evidence": _("Upload the evidence (acceptance approval, monitoring report, "
                                             "accounting report...) before submitting.")})
    if not application.applicant.is_active:
        raise ValidationError(_("The enterprise is deactivated."))
    facts.check_not_restricted(application, kinds=("unrectified_violation",))


def check_approval(actor, application, values) -> None:
    """Before the county forwards or the city approves: a reduction with a non-creditable cause is never creditable
    (seed 001 guide Art 14); an enterprise with a violation not rectified gets no accounting (seed 001 guide Art 4)."""
    facts.check_not_restricted(application, kinds=("unrectified_violation",))
    causes = reduction.non_creditable(application.non_creditable_causes)
    if causes:
        raise ValidationError(_("Not creditable (seed 001 guide Art 14): %(causes)s. Return or reject the "
                                "application.") % {"causes": "、".join(causes)})


def issue(ctx) -> None:
    issue_lots(ctx.record, ctx.actor)


def revoke(ctx) -> None:
    """Art 25: the reason is kept on the application; what is still in the pool is cancelled."""
    ctx.record.revoke_reason = ctx.decision.opinion
    ctx.record.save(update_fields=["revoke_reason"])
    revoke_lots(ctx.record, ctx.actor, ctx.decision.opinion)
