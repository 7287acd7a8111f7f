"""Withdrawal applications (出库, Arts 13-16): ratios from the city's rule set, eligible sources, the
allocator, holds on submit, release on return/reject/withdraw, and on approval the move into the
enterprise's project account and the transferors' permit-change obligations (Art 17).

Allocation never over-spends: the allocator takes the ledger lock before it reads what is available,
and the hold it posts is checked again by the posting service (and by the database's CHECK)."""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounting.projects import ESTIMATES, lowest_estimate
from accounting.quantities import QuantityError, show
from accounting.quantities import quantity as exact_quantity
from ledger import services as ledger
from ledger.models import Account, AccountKind, Holding, Lot, TransactionKind
from quota_registry import inputs, jurisdiction
from quota_registry.audit.services import record, snapshot
from quota_registry.files.services import attachments_add, attachments_of
from quota_registry.orgs.models import OrganisationKind, Role
from quota_registry.reference.models import Industry, Pollutant, PollutantCategory, Region, RegionLevel, Watershed
from quota_registry.review import engine
from quota_registry.review import services as review
from quota_registry.workdays import Calendars
from trading import fees
from trading.services import obligation_create

from . import facts
from .models import Allocation, PlanMeasure, WithdrawalApplication, WithdrawalItem
from .rows import FactorRows

PROJECT_FIELDS = ["project_name", "industry", "watershed", "eia_authority", "major_project", "two_high", "clean_energy",
                  "relocation", "captive_power", "chp_heating", "central_heating", "reuse_from", "stack_height_m",
                  "auto_allocate", "relies_on_government"]
NOT_ENOUGH = _("Not enough eligible quota in the pool for %(factor)s: %(required)s %(unit)s required, "
               "%(available)s %(unit)s eligible and available.")


@dataclass
class ItemCheck:
    pollutant: Pollutant
    new_emission: Decimal
    ratio: Decimal
    required: Decimal
    reason: str
    eligible_available: Decimal
    own: Decimal = Decimal("0")  # replaced by the project's own source (seed 003 Art 19), not from the pool
    reused: Decimal = Decimal("0")  # from the unit's unbuilt project (seed 003 Art 18), not from the pool

    @property
    def sufficient(self) -> bool:
        return self.eligible_available >= self.required


def _project(application_or_fields, region, today=None):
    f = application_or_fields
    get = (lambda k, d=None: f.get(k, d)) if isinstance(f, dict) else (lambda k, d=None: getattr(f, k, d))
    return facts.project_facts(region=region, industry=get("industry"), watershed=get("watershed"),
                               major_project=bool(get("major_project")), two_high=bool(get("two_high")),
                               clean_energy=bool(get("clean_energy")), relocation=bool(get("relocation")),
                               stack_height_m=get("stack_height_m"), today=today,
                               captive_power=bool(get("captive_power")), chp_heating=bool(get("chp_heating")),
                               central_heating=bool(get("central_heating")),
                               rules=facts.rule_set(get("rule_set") or None))


ESTIMATE_LABELS = {
    "permit_norm": gettext_lazy("by the permit technical norm"),
    "source_strength": gettext_lazy("by the source-strength guideline"),
    "standard_limit": gettext_lazy("by the standard limit at the best control level"),
}


class Rows(list):
    """The factors of a project, (pollutant, new emission) each, with the basis of a quantity where it came from the
    lowest of three estimates (`basis`: pollutant code -> words for the item's reason)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.basis: dict[str, str] = {}
        self.own: dict[str, Decimal] = {}  # pollutant code -> dismantled dispersed coal-fired units (seed 003 Art 19)
        self.reused: dict[str, Decimal] = {}  # pollutant code -> from the unit's unbuilt project (seed 003 Art 18)


def _estimates(key, raw, pollutant, amount, errors, rows) -> None:
    """Seed 003 Art 12: when the three estimates are given, the new emission is the lowest of them."""
    estimates = raw.get("estimates") or {}
    if not estimates:
        return
    if not isinstance(estimates, dict):
        errors[f"{key}.estimates"] = _("Give all three estimates (seed 003 Art 12).")
        return
    figures = {}
    for name, value in estimates.items():
        if name not in ESTIMATE_LABELS:
            errors[f"{key}.estimates"] = _("Unknown estimate: %(name)s.") % {"name": str(name)[:40]}
            return
        try:
            figures[name] = exact_quantity(value, field=ESTIMATE_LABELS[name], unit=pollutant.unit)
        except QuantityError as exc:
            errors[f"{key}.estimates.{name}"] = str(exc)
            return
    if len(figures) < len(ESTIMATES):
        errors[f"{key}.estimates"] = _("Give all three estimates (seed 003 Art 12).")
        return
    method, lowest = lowest_estimate(figures)
    if amount != lowest:
        errors[f"{key}.new_emission"] = _(
            "The quantity is the lowest of the three estimates: %(quantity)s %(unit)s %(method)s (seed 003 Art "
            "12).") % {"quantity": lowest, "unit": pollutant.unit, "method": ESTIMATE_LABELS[method]}
        return
    rows.basis[pollutant.code] = _("Quantity: the lowest of three estimates, %(method)s (seed 003 Art 12). ") % {
        "method": ESTIMATE_LABELS[method]}


DISMANTLED_LABEL = gettext_lazy("Reduction from dismantled dispersed coal-fired units")
REUSED_LABEL = gettext_lazy("Reused from the unit's unbuilt project")


def _clean_rows(raw_items) -> Rows:
    factor_rows, rows = FactorRows("items"), Rows()
    errors = factor_rows.errors
    if not raw_items:
        raise ValidationError({"items": _("Add at least one pollutant factor with its new emissions.")})
    for index, raw in enumerate(raw_items):
        key = f"items[{index}]"
        pollutant = factor_rows.pollutant(index, raw)
        if pollutant is None:
            continue
        try:
            amount = exact_quantity(raw.get("new_emission"), field=_("New emissions"), unit=pollutant.unit)
        except QuantityError as exc:
            errors[f"{key}.new_emission"] = str(exc)
            continue
        if amount <= 0:
            errors[f"{key}.new_emission"] = _("New emissions must be more than zero.")
            continue
        _estimates(key, raw, pollutant, amount, errors, rows)
        for name, label, kept in (("dismantled", DISMANTLED_LABEL, rows.own), ("reused", REUSED_LABEL, rows.reused)):
            if raw.get(name) in (None, ""):
                continue
            try:
                value = exact_quantity(raw[name], field=label, unit=pollutant.unit)
            except QuantityError as exc:
                errors[f"{key}.{name}"] = str(exc)
                continue
            if value < 0:
                errors[f"{key}.{name}"] = _("%(field)s cannot be negative.") % {"field": label}
            elif value > 0:
                kept[pollutant.code] = value
        rows.append((pollutant, amount))
    if errors:
        raise ValidationError(errors)
    return rows


class Candidate(NamedTuple):  # a tuple, not a dataclass: a factor has thousands at city scale
    lot_id: int
    shortfall_only: bool  # usable only for what better sources cannot cover


def candidates(project, pollutant: Pollutant, today: datetime.date, rules) -> list[Candidate]:
    """The factor's lots that are eligible for the project, in the order the rule set uses them, whatever they
    hold now (read that with `facts.pool_available`)."""
    fac = facts.factor(pollutant)
    ranked = [(rules.priority(src, project, fac), lot_id, Candidate(lot_id, rules.shortfall_only(src, project, fac)))
              for lot_id, src in facts.pool_sources(pollutant, today) if rules.ineligible(src, project, fac, today) is None]
    ranked.sort(key=lambda row: row[:2])
    return [c for _p, _pk, c in ranked]


def check_items(project, rows, rules, *, pool, today=None) -> list[ItemCheck]:
    """Ratio, required quantity, reason and eligible availability in the city's `pool` per factor (the pre-check)."""
    today = today or timezone.localdate()
    emissions = {p.code: (p.category, amount) for p, amount in rows}
    result, refused = [], {}
    for pollutant, amount in rows:
        factor = facts.factor(pollutant)
        r = rules.ratio(project, factor, amount, project_emissions=emissions)
        ids = [c.lot_id for c in candidates(project, pollutant, today, rules)]
        available = sum(facts.pool_available(pool, ids, today).values(), Decimal("0"))
        reason = getattr(rows, "basis", {}).get(pollutant.code, "") + r.reason
        required, own = r.required, getattr(rows, "own", {}).get(pollutant.code, Decimal("0"))
        if own:
            if problem := rules.own_replacement(project, factor):
                refused[pollutant.name] = problem
                continue
            own = min(own, r.required)  # what the dismantled units replace; the rest comes from the pool
            required = r.required - own
            reason += " " + _("The reduction from dismantling dispersed coal-fired units in its heating area replaces "
                              "%(own)s (seed 003 Art 19); %(rest)s comes from the pool.") % {
                "own": show(own, pollutant.unit), "rest": show(required, pollutant.unit)}
        reused = min(getattr(rows, "reused", {}).get(pollutant.code, Decimal("0")), required)
        if reused:  # whether the unit may reuse it (Art 18) is checked against its account: check_reuse
            required -= reused
            reason += " " + _("%(reused)s comes from the unit's unbuilt project, obtained for a fee (seed 003 Art "
                              "18); %(rest)s from the pool.") % {
                "reused": show(reused, pollutant.unit), "rest": show(required, pollutant.unit)}
        result.append(ItemCheck(pollutant, amount, r.ratio, required, reason, available, own, reused))
    if refused:
        raise ValidationError({"items": [f"{name}：{problem}" for name, problem in refused.items()]})
    return result


def precheck(*, region_code: str, industry_code: str, items: list[dict], watershed_code: str | None = None,
             **flags) -> tuple[object, list[ItemCheck]]:
    """For anyone planning a project: per factor the ratio, requirement, reason and whether the pool
    suffices now. Places no hold."""
    errors = {}
    region = Region.objects.filter(code=region_code, level=RegionLevel.COUNTY).first()
    industry = Industry.objects.filter(code=industry_code).first()
    watershed = Watershed.objects.filter(code=watershed_code).first() if watershed_code else None
    if region is None:
        errors["region"] = _("Choose the county-level division where the project is built.")
    if industry is None:
        errors["industry"] = _("Choose the project's industry (GB/T 4754 code).")
    if watershed_code and (watershed is None or region is None or not region.watersheds.filter(pk=watershed.pk).exists()):
        errors["watershed"] = _("Choose a watershed the county lies in.")
    try:
        rows = _clean_rows(items)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        rows = []
    if rows and watershed is None and (missing := _water_without_watershed(rows)):
        errors["watershed"] = missing
    if errors:
        raise ValidationError(errors)
    project = _project({"industry": industry, "watershed": watershed, **flags}, region)
    return project, check_items(project, rows, facts.rule_set(jurisdiction.rule_set_code(region)),
                                pool=ledger.pool(region))


TEXT_FIELDS = {
    "project_name": (gettext_lazy("Project name"), gettext_lazy("Give the construction project's name.")),
    "eia_authority": (gettext_lazy("EIA approving authority"),
                      gettext_lazy("Name the authority that approves the project's EIA.")),
}


def _clean_application(application: WithdrawalApplication) -> None:
    errors = {}
    for name, (label, missing) in TEXT_FIELDS.items():
        try:
            setattr(application, name, inputs.check_text(
                getattr(application, name), field=name, label=label, required=True, required_message=missing,
                limit=WithdrawalApplication._meta.get_field(name).max_length))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if application.industry_id is None:
        errors["industry"] = _("Choose the project's industry.")
    if application.watershed_id and not application.region.watersheds.filter(pk=application.watershed_id).exists():
        errors["watershed"] = _("%(county)s does not lie in this watershed.") % {"county": application.region.name}
    if application.stack_height_m is not None and application.stack_height_m <= 0:
        errors["stack_height_m"] = _("The stack height must be more than zero.")
    if errors:
        raise ValidationError(errors)


def _water_without_watershed(rows) -> str:
    """Art 12: water factors come from the same watershed, so a project emitting one names where its waste water
    goes; the message names the factors ('' when none is a water factor)."""
    water = [p.name for p, _amount in rows if p.category == PollutantCategory.WATER]
    return _("Choose the receiving watershed: %(factors)s must come from the same watershed (Art 12).") % {
        "factors": "、".join(water)} if water else ""


def reuse_account(application):
    """The account of the unit's earlier project named by `reuse_from` (seed 003 Art 18), or None."""
    if not application.reuse_from:
        return None
    return Account.objects.filter(kind=AccountKind.ENTERPRISE, organisation_id=application.applicant_id,
                                  reference=application.reuse_from).first()


def _reusable(account, pollutant) -> Decimal:
    return (Holding.objects.filter(account=account, lot__pollutant=pollutant)
            .aggregate(q=Sum("quantity"))["q"] or Decimal("0"))


def check_reuse(application, wanted: dict) -> None:
    """Seed 003 Art 18: the quota of the unit's unbuilt project serves another of its projects when the rule set
    allows it (obtained for a fee) and the account still holds it. `wanted`: pollutant -> quantity."""
    if not wanted:
        return
    account = reuse_account(application)
    if account is None:
        raise ValidationError({"reuse_from": _("Give the number of your earlier withdrawal whose project will not be "
                                               "built (seed 003 Art 18).")})
    rules = facts.rule_set(application.rule_set)
    for pollutant in wanted:
        if problem := rules.project_quota_offer(paid=fees.project_account_paid(account, pollutant)):
            raise ValidationError({"reuse_from": f"{pollutant.name}：{problem}"})
    short = [_("%(factor)s: %(held)s held, %(wanted)s wanted") % {
        "factor": p.name, "held": show(_reusable(account, p), p.unit), "wanted": show(q, p.unit)}
        for p, q in wanted.items() if _reusable(account, p) < q]
    if short:
        raise ValidationError({"reuse_from": _("The project account %(number)s does not hold enough: %(short)s.") % {
            "number": application.reuse_from, "short": "；".join(short)}})


def _save_items(application, rows) -> list[WithdrawalItem]:
    if application.watershed_id is None and (missing := _water_without_watershed(rows)):
        raise ValidationError({"watershed": missing})
    project = _project(application, application.region)
    checks = check_items(project, rows, facts.rule_set(application.rule_set), pool=ledger.pool(application.region_id))
    check_reuse(application, {c.pollutant: c.reused for c in checks if c.reused})
    application.quality_year = project.quality_year
    application.items.all().delete()  # draft rows, recomputed; the audit row keeps the previous version
    return WithdrawalItem.objects.bulk_create([
        WithdrawalItem(application=application, pollutant=c.pollutant, new_emission=c.new_emission, ratio=c.ratio,
                       required=c.required, own_replacement=c.own, reused=c.reused, reason=c.reason[:2000])
        for c in checks])


def _save_requested_allocations(application, requested) -> None:
    """The applicant's own choice of lots: eligible lots only, checked now and again on submit."""
    Allocation.objects.filter(item__application=application).delete()
    if not requested:
        return
    items = {i.pollutant_id: i for i in application.items.all()}
    project = _project(application, application.region)
    today = timezone.localdate()
    errors, rows = {}, {}
    for index, raw in enumerate(requested):
        key = f"allocations[{index}]"
        lot_ref = raw.get("lot")
        lot = Lot.objects.select_related("pollutant", "region", "watershed", "industry").filter(
            pk=getattr(lot_ref, "pk", lot_ref)).first()
        try:
            q = exact_quantity(raw.get("quantity"))
        except QuantityError as exc:
            errors[f"{key}.quantity"] = str(exc)
            continue
        if lot is None:
            errors[f"{key}.lot"] = _("No such lot.")
            continue
        if q <= 0:
            errors[f"{key}.quantity"] = _("The quantity must be more than zero.")
            continue
        item = items.get(lot.pollutant_id)
        if item is None:
            errors[f"{key}.lot"] = _("Lot %(lot)s is of a factor the project does not ask for.") % {"lot": lot.number}
            continue
        why = facts.rule_set(application.rule_set).ineligible(facts.source(lot), project, facts.factor(lot.pollutant),
                                                               today)
        if why:
            errors[f"{key}.lot"] = _("Lot %(lot)s cannot serve this project: %(why)s.") % {"lot": lot.number, "why": why}
            continue
        if (item.pk, lot.pk) in rows:
            errors[f"{key}.lot"] = _("Lot %(lot)s is listed twice.") % {"lot": lot.number}
            continue
        rows[(item.pk, lot.pk)] = Allocation(item=item, lot=lot, quantity=q, chosen_by_applicant=True)
    if errors:
        raise ValidationError(errors)
    Allocation.objects.bulk_create(rows.values())


def _filer(actor, enterprise):
    if actor.role != Role.ENTERPRISE_USER:
        raise PermissionDenied(_("Withdrawal applications are filed by the enterprise building the project."))
    if enterprise.kind != OrganisationKind.ENTERPRISE or not enterprise.is_active:
        raise ValidationError(_("The enterprise is deactivated."))


@transaction.atomic
def withdrawal_create(*, actor, data: dict, items: list[dict], region: Region | None = None,
                      allocations: list[dict] | None = None, plan: list[dict] | None = None,
                      files=()) -> WithdrawalApplication:
    enterprise = actor.organisation
    _filer(actor, enterprise)
    region = region or enterprise.region
    if region is None or region.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("Choose the county-level division where the project is built.")})
    application = WithdrawalApplication(applicant=enterprise, region=region, created_by=actor,
                                        rule_set=jurisdiction.rule_set_code(region),
                                        review_tiers=jurisdiction.review_tiers(region))
    for name in PROJECT_FIELDS:
        if name in data and data[name] is not None:
            setattr(application, name, data[name])
    application.auto_allocate = not allocations
    _clean_application(application)
    rows = _clean_rows(items)
    application.number = review.next_number("CK", region=application.region_id)
    application.save()
    _save_items(application, rows)
    application.save(update_fields=["quality_year"])
    _save_requested_allocations(application, allocations)
    _save_plan(application, plan or [])
    attachments_add(actor=actor, owner=application, files=files, organisation=enterprise, region=region)
    record(actor=actor, action="withdrawalapplication.create", obj=application, after=_snapshot(application))
    engine.request_documents(application, actor)
    return application


def _snapshot(application) -> dict:
    return {**snapshot(application), "items": [
        {"pollutant": i.pollutant.code, "new_emission": str(i.new_emission), "ratio": str(i.ratio),
         "required": str(i.required)} for i in application.items.select_related("pollutant")],
        "allocations": [{"lot": a.lot.number, "quantity": str(a.quantity)}
                        for a in Allocation.objects.filter(item__application=application).select_related("lot")]}


PLAN_TEXT = {"source": gettext_lazy("Source"), "measure": gettext_lazy("Measure"),
             "responsible_party": gettext_lazy("Responsible party")}


def _save_plan(application, plan: list[dict]) -> None:
    application.plan_measures.all().delete()
    plan_rows, rows = FactorRows("plan"), []
    errors = plan_rows.errors
    for index, raw in enumerate(plan):
        key = f"plan[{index}]"
        pollutant = plan_rows.pollutant(index, raw, unique=False)
        missing = [f for f in ("source", "measure", "responsible_party", "deadline") if not raw.get(f)]
        if pollutant is None:
            continue
        if missing:
            errors[f"{key}.{missing[0]}"] = _("Fill in the source, measure, responsible party and deadline.")
            continue
        try:
            texts = {name: inputs.check_text(raw[name], field=f"{key}.{name}", label=label,
                                             limit=PlanMeasure._meta.get_field(name).max_length)
                     for name, label in PLAN_TEXT.items()}
            q = inputs.check_quantity(raw.get("quantity"), field=f"{key}.quantity", label=_("Reduction"),
                                      unit=pollutant.unit)
            deadline = inputs.check_date(raw["deadline"], field=f"{key}.deadline", label=_("Completion deadline"),
                                         today=timezone.localdate())
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            continue
        rows.append(PlanMeasure(application=application, pollutant=pollutant, quantity=q, deadline=deadline,
                                by_government=bool(raw.get("by_government")), **texts))
    if errors:
        raise ValidationError(errors)
    PlanMeasure.objects.bulk_create(rows)
    if any(r.by_government for r in rows) and not application.relies_on_government:
        application.relies_on_government = True
        application.save(update_fields=["relies_on_government"])


@transaction.atomic
def withdrawal_update(*, actor, pk: int, data: dict, items: list[dict] | None = None,
                      allocations: list[dict] | None = None, plan: list[dict] | None = None) -> WithdrawalApplication:
    application = review.lock_for_edit(actor, WithdrawalApplication, pk)
    before = _snapshot(application)
    for name in PROJECT_FIELDS:
        if name in data and data[name] is not None:
            setattr(application, name, data[name])
    _clean_application(application)
    if items is not None:
        _save_items(application, _clean_rows(items))
    if allocations is not None:
        application.auto_allocate = not allocations
        _save_requested_allocations(application, allocations)
    elif items is not None:
        _save_requested_allocations(application, [])
        application.auto_allocate = True
    if plan is not None:
        _save_plan(application, plan)
    application.save()
    record(actor=actor, action="withdrawalapplication.update", obj=application, before=before,
           after=_snapshot(application))
    engine.request_documents(application, actor)
    return application


def withdrawal_add_evidence(*, actor, pk: int, files, purpose: str = "") -> list:
    return review.add_evidence(actor=actor, model=WithdrawalApplication, pk=pk, files=files, purpose=purpose)


def _in_pool(pool, cands: list[Candidate], today) -> Iterator[tuple[Candidate, Decimal]]:
    """(candidate, its quantity in the pool) of those that have some, in the rule set's order, read in growing
    chunks as the caller goes on: the automatic allocator usually needs only the first few."""
    start, size = 0, 8
    while start < len(cands):
        part = cands[start:start + size]
        available = facts.pool_available(pool, [c.lot_id for c in part], today)
        yield from ((c, available[c.lot_id]) for c in part if c.lot_id in available)
        start, size = start + size, size * 2


def allocate_and_hold(application: WithdrawalApplication, actor):
    """Decide the allocation from what is available now, under the ledger lock, and hold it.

    What does not depend on balances is read first: the project's facts, its items and each item's eligible
    lots in the rule set's order. Then the lock is taken, the pool's quantities of those lots are read, the
    allocation decided and the hold posted; the lock is held only for that, until the commit."""
    today = timezone.localdate()
    project = _project(application, application.region)
    items = [item for item in application.items.select_related("pollutant") if item.required != 0]
    rules = facts.rule_set(application.rule_set)
    ranked = {item.pk: candidates(project, item.pollutant, today, rules) for item in items}
    if not application.auto_allocate:
        chosen = defaultdict(list)
        for a in Allocation.objects.filter(item__application=application).select_related("lot", "item"):
            chosen[a.item_id].append(a)
    Allocation.objects.filter(item__application=application, chosen_by_applicant=False).delete()
    pool, held = ledger.pool(application.region_id), ledger.held(application.region_id)
    ledger.lock()
    errors, holds = {}, []
    for item in items:
        if application.auto_allocate:
            remaining, picks = item.required, []
            for c, available in _in_pool(pool, ranked[item.pk], today):
                take = min(remaining, available)
                picks.append((c.lot_id, take))
                remaining -= take
                if remaining <= 0:
                    break
            if remaining > 0:
                errors[item.pollutant.code] = NOT_ENOUGH % {
                    "factor": item.pollutant.name, "required": item.required, "unit": item.pollutant.unit,
                    "available": item.required - remaining}
                continue
            lots = Lot.objects.in_bulk([lot_id for lot_id, _q in picks])
            Allocation.objects.bulk_create([Allocation(item=item, lot_id=lot_id, quantity=q) for lot_id, q in picks])
            holds.extend((lots[lot_id], q) for lot_id, q in picks)
        else:
            picks = chosen.get(item.pk, [])
            total = sum((a.quantity for a in picks), Decimal("0"))
            if total != item.required:
                errors[item.pollutant.code] = _("The lots chosen for %(factor)s add up to %(total)s %(unit)s; the "
                                                "project needs exactly %(required)s %(unit)s.") % {
                    "factor": item.pollutant.name, "total": total, "required": item.required, "unit": item.pollutant.unit}
                continue
            available = facts.pool_available(pool, [c.lot_id for c in ranked[item.pk]], today)
            shortfall = {c.lot_id for c in ranked[item.pk] if c.shortfall_only}
            same_industry = sum((q for lot_id, q in available.items() if lot_id not in shortfall), Decimal("0"))
            other = sum((a.quantity for a in picks if a.lot_id in available and a.lot_id in shortfall), Decimal("0"))
            if other > max(Decimal("0"), item.required - same_industry):
                errors[item.pollutant.code] = _("%(factor)s: the project's own key industry still has %(same)s %(unit)s; "
                                                "other key industries may only cover the shortfall.") % {
                    "factor": item.pollutant.name, "same": same_industry, "unit": item.pollutant.unit}
                continue
            for a in picks:
                if a.lot_id not in available or available[a.lot_id] < a.quantity:
                    errors[item.pollutant.code] = _("Lot %(lot)s no longer has %(q)s %(unit)s eligible and available.") % {
                        "lot": a.lot.number, "q": a.quantity, "unit": item.pollutant.unit}
                    break
                holds.append((a.lot, a.quantity))
    if errors:
        raise ValidationError(errors)
    if holds:
        application.hold_transaction = ledger.hold(
            actor=actor, allocations=holds, subject=application, pool=pool, held=held,
            memo=_("Held for withdrawal %(number)s") % {"number": application.number})
        application.save(update_fields=["hold_transaction"])


def release_hold(application: WithdrawalApplication, actor, reason: str) -> None:
    txn = application.hold_transaction
    if txn is None:  # nothing held (a draft, or every factor exempt)
        return
    ledger.release(actor=actor, hold_transaction=txn, memo=reason)
    application.hold_transaction = None
    application.save(update_fields=["hold_transaction"])


def complete_withdrawal(application: WithdrawalApplication, actor) -> None:
    """City approval: the held quantities move to the enterprise's account for this project, and each
    enterprise whose reduction was used gets its permit-change obligation."""
    txn = application.hold_transaction  # where its hold lies (the city's, or the shared hold of before)
    held = txn.movements.first().to_account if txn is not None else ledger.held(application.region_id)
    project_account = ledger.account(AccountKind.ENTERPRISE, application.applicant, reference=application.number,
                                     label=application.project_name)
    allocations = list(Allocation.objects.filter(item__application=application)
                       .select_related("lot__pollutant", "lot__enterprise", "lot__region", "lot__entry_item"))
    if allocations:
        ledger.post(actor=actor, kind=TransactionKind.WITHDRAW, subject=application,
                    legs=[ledger.Leg(a.lot, held, project_account, a.quantity) for a in allocations],
                    memo=_("Withdrawal %(number)s approved: %(project)s") % {
                        "number": application.number, "project": application.project_name})
    _move_reused(application, project_account, actor)
    today = timezone.localdate()
    days = facts.rule_set(application.rule_set).permit_change_working_days
    calendars = Calendars()
    by_enterprise = defaultdict(list)
    for a in allocations:
        by_enterprise[a.lot.enterprise_id].append(a)
    for rows in by_enterprise.values():
        lot = rows[0].lot
        obligation_create(
            enterprise=lot.enterprise, region=lot.region, origin=application, calendar=calendars.of(lot.region_id),
            transferred=[{"pollutant": a.lot.pollutant.code, "unit": a.lot.pollutant.unit, "lot": a.lot.number,
                          "quantity": str(a.quantity)} for a in rows],
            destination=f"{application.project_name}（{application.applicant.name}，{application.number}）",
            measure_completed_on=max((a.lot.completed_on or a.lot.verified_on) for a in rows), approved_on=today,
            working_days=days)


def _move_reused(application, project_account, actor) -> None:
    """Seed 003 Art 18: what the project reuses moves from the unit's unbuilt project's account to this one (earliest
    expiry first); its permit-change obligation arose when that quota first left the pool."""
    reused = {i.pollutant: i.reused for i in application.items.select_related("pollutant") if i.reused > 0}
    if not reused:
        return
    check_reuse(application, reused)
    source, legs = reuse_account(application), []
    for pollutant, need in reused.items():
        for h in (Holding.objects.filter(account=source, lot__pollutant=pollutant, quantity__gt=0)
                  .select_related("lot").order_by("lot__valid_until", "lot_id")):
            take = min(need, h.quantity)
            legs.append(ledger.Leg(h.lot, source, project_account, take))
            need -= take
            if need <= 0:
                break
    ledger.post(actor=actor, kind=TransactionKind.TRANSFER, legs=legs, subject=application,
                memo=_("Withdrawal %(number)s reuses the quota of %(source)s (seed 003 Art 18)") % {
                    "number": application.number, "source": application.reuse_from})


def check_submission(actor, application, values) -> None:
    """Before a withdrawal is submitted: its factors, the government's commitment where the plan relies on it
    (Art 15), an active enterprise."""
    if not application.items.exists():
        raise ValidationError({"items": _("Add at least one pollutant factor before submitting.")})
    if application.relies_on_government and not attachments_of(application).filter(purpose=COMMITMENT).exists():
        raise ValidationError({"commitment": _("The plan relies on local government action: attach the local "
                                               "government's commitment document (Art 15).")})
    if not application.applicant.is_active:
        raise ValidationError(_("The enterprise is deactivated."))
    facts.check_not_restricted(application)
    check_reuse(application, {i.pollutant: i.reused for i in application.items.select_related("pollutant")
                              if i.reused > 0})


def check_approval(actor, application, values) -> None:
    """Before the county forwards or the city approves: no new quota while the city's list holds the applicant or
    its county (seed 001 guide Art 4; seed 003 Art 4)."""
    facts.check_not_restricted(application)


def hold(ctx) -> None:
    allocate_and_hold(ctx.record, ctx.actor)


def release(ctx) -> None:
    release_hold(ctx.record, ctx.actor, engine.words(ctx.decision))


def complete(ctx) -> None:
    complete_withdrawal(ctx.record, ctx.actor)


COMMITMENT = "commitment"  # purpose of the government commitment document
