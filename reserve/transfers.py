"""Transfers of quota between two cities' pools (issue 19; seed 003 Arts 20-21): the receiving city requests quota
of a factor for a project in one of its counties from another city's pool; the giving city agrees; the province
approves, and the quota moves in one ledger transaction from the one pool to the other. The limits the province
chose (accounting/transfers.py) are checked when the request is made and again when the province approves, lot by
lot: a lot that may not go is not taken, and when none may, the refusal names the rule and the article.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import transfers as rules
from accounting.quantities import show
from ledger import services as ledger
from ledger.models import Holding, LotStatus, TransactionKind
from quota_registry import inputs, jurisdiction
from quota_registry.audit.services import record, snapshot
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import Role, User
from quota_registry.orgs.selectors import city_staff
from quota_registry.outbox import enqueue_after_commit
from quota_registry.reference.models import Pollutant, Region, RegionLevel, Watershed
from quota_registry.review.services import next_number

from . import facts
from .models import CityTransfer, TransferOrigin, TransferStatus


def transfer_rules() -> tuple[str, ...]:
    """The limits the province applies (PORTAL_TRANSFER_RULES; default all of seed 003 Art 21's)."""
    return tuple(getattr(settings, "PORTAL_TRANSFER_RULES", rules.RULES))


def _receiving(transfer, today) -> rules.Receiving:
    return rules.Receiving(city=transfer.to_city.code, county_name=transfer.region.name,
                           attains=facts.attains(transfer.region, transfer.pollutant, today, facts.rule_set(
                               jurisdiction.rule_set_code(transfer.region))),
                           air_key_area=transfer.region.air_key_area,
                           basin=transfer.watershed.basin if transfer.watershed_id else "")


def _source(lot, from_city) -> rules.Source:
    return rules.Source(city=from_city.code, county_name=lot.region.name, air_key_area=lot.region.air_key_area,
                        basin=lot.watershed.basin if lot.watershed_id else "")


def plan(transfer, today=None) -> list[tuple]:
    """The lots of the giving city's pool the transfer takes, (lot, quantity) each, the soonest to expire first,
    among those the province's limits let go; refused (400) with the rule when none may, or with what there is."""
    today = today or timezone.localdate()
    receiving = _receiving(transfer, today)
    if problem := rules.receiving_refusal(factor_name=transfer.pollutant.name, receiving=receiving,
                                          rules=transfer_rules()):
        raise ValidationError({"region": problem})  # whatever the giving pool holds
    pool = ledger.pool(transfer.from_city)
    holdings = (Holding.objects.filter(account=pool, lot__pollutant=transfer.pollutant, quantity__gt=0,
                                       lot__status=LotStatus.ACTIVE, lot__valid_until__gte=today)
                .select_related("lot__region", "lot__watershed").order_by("lot__valid_until", "lot__number"))
    need, picks, why_not = transfer.quantity, [], None
    for h in holdings:
        if need <= 0:
            break
        problem = rules.refusal(category=transfer.pollutant.category, factor_name=transfer.pollutant.name,
                                receiving=receiving, source=_source(h.lot, transfer.from_city), rules=transfer_rules())
        if problem:
            why_not = why_not or problem
            continue
        take = min(need, h.quantity)
        picks.append((h.lot, take))
        need -= take
    if need > 0:
        if why_not and not picks:
            raise ValidationError({"quantity": why_not})
        available = transfer.quantity - need
        raise ValidationError({"quantity": _("%(city)s's pool has %(available)s of %(factor)s that may go to %(county)s; "
                                             "%(wanted)s was asked for.%(why)s") % {
            "city": transfer.from_city.name, "available": show(available, transfer.pollutant.unit),
            "factor": transfer.pollutant.name, "county": transfer.region.name,
            "wanted": show(transfer.quantity, transfer.pollutant.unit),
            "why": (" " + _("Some lots may not go: %(why)s") % {"why": why_not}) if why_not else ""}})
    return picks


@transaction.atomic
def transfer_create(*, actor, data: dict) -> CityTransfer:
    """The receiving city's request: the giving city, the factor and quantity, the project, its county (in the
    receiving city) and, for a water factor, its watershed, and why. Or the province's arrangement (seed 002: the
    province takes quota from a city with a surplus for a key project in another): the same, the county in any other
    city; it then awaits the province's approval, without the giving city's agreement. Refused (400) with the field,
    or with the rule that forbids it (nothing is stored then)."""
    by_province = actor.is_province_staff
    if not (actor.is_city_staff or by_province):
        raise PermissionDenied(_("A transfer between cities is requested by the receiving city's bureau or arranged "
                                 "by the province."))
    errors = {}
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    region = (counties if by_province else counties.filter(parent_id=actor.city_id)).filter(
        code=str(data.get("region") or "")).select_related("parent").first()
    if region is None:
        errors["region"] = (_("Choose the county where the project is built.") if by_province else
                            _("Choose the county of your city where the project is built."))
    to_city_id = region.parent_id if region is not None else actor.city_id
    from_city = jurisdiction.cities().filter(code=str(data.get("from_city") or "")).first()
    if from_city is None or from_city.pk == to_city_id:
        errors["from_city"] = (_("Choose the city whose pool gives the quota (not the project's own city).")
                               if by_province else
                               _("Choose the city whose pool gives the quota (another city of the province)."))
    pollutant = Pollutant.objects.filter(code=str(data.get("pollutant") or "")).first()
    if pollutant is None:
        errors["pollutant"] = _("Choose the pollutant factor.")
    quantity = None
    try:
        quantity = inputs.check_quantity(data.get("quantity"), field="quantity", label=_("Quantity"),
                                         unit=pollutant.unit if pollutant else "")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    watershed = None
    if data.get("watershed"):
        watershed = Watershed.objects.filter(code=str(data["watershed"])).first()
        if watershed is None or region is None or not region.watersheds.filter(pk=watershed.pk).exists():
            errors["watershed"] = _("Choose a watershed the county lies in.")
    elif pollutant is not None and pollutant.category == "water":
        errors["watershed"] = _("A water factor needs the project's watershed (seed 003 Art 21(1): within one basin).")
    errors.update(inputs.text_problems(("project_name", data.get("project_name"), _("Project"), 200, True),
                                       ("reason", data.get("reason"), _("Reason"), inputs.REASON, True)))
    if errors:
        raise ValidationError(errors)
    transfer = CityTransfer(number=next_number("KS", region=region), from_city=from_city, to_city=region.parent,
                            region=region, watershed=watershed, pollutant=pollutant, quantity=quantity,
                            project_name=str(data["project_name"]).strip(), reason=str(data["reason"]).strip(),
                            requested_by=actor)
    if by_province:
        transfer.origin, transfer.status = TransferOrigin.PROVINCE, TransferStatus.ARRANGED
    plan(transfer)  # refused now if the province's limits or the giving pool do not allow it
    transfer.save()
    record(actor=actor, action="citytransfer.arrange" if by_province else "citytransfer.create", obj=transfer,
           after=snapshot(transfer))
    if by_province:  # both cities hear of it now: the giving city's pool is to be drawn without its agreement
        _tell_cities(transfer)
    return transfer


def _tell_cities(transfer) -> None:
    """Both cities' staff, and the province's other people, one of whom decides it (four-eyes)."""
    deciders = User.objects.filter(is_active=True, role=Role.PROVINCE_REVIEWER).exclude(pk=transfer.requested_by_id)
    notify(recipients=[*city_staff(transfer.from_city_id), *city_staff(transfer.to_city_id), *deciders],
           subject=_("Transfer %(number)s arranged by the province: %(quantity)s of %(factor)s from %(from)s to %(to)s")
           % {"number": transfer.number, "quantity": show(transfer.quantity, transfer.pollutant.unit),
              "factor": transfer.pollutant.name, "from": transfer.from_city.name, "to": transfer.to_city.name},
           body=transfer.reason, link=transfer.get_absolute_url(), about=transfer)


def check_approval(actor, transfer, values) -> None:
    plan(transfer)


def move(ctx) -> None:
    """The province's approval: the lots move from the giving city's pool to the receiving city's, in one
    transaction (seed 003 Art 20)."""
    transfer = ctx.record
    ledger.lock()
    picks = plan(transfer)
    source, target = ledger.pool(transfer.from_city), ledger.pool(transfer.to_city)
    transfer.ledger_transaction = ledger.post(
        actor=ctx.actor, kind=TransactionKind.TRANSFER, subject=transfer,
        legs=[ledger.Leg(lot, source, target, q) for lot, q in picks],
        memo=_("Transfer %(number)s: %(from)s to %(to)s for %(project)s") % {
            "number": transfer.number, "from": transfer.from_city.name, "to": transfer.to_city.name,
            "project": transfer.project_name})
    transfer.save(update_fields=["ledger_transaction"])
    # what the province watches the one-ledger for: summed again once this commits, not within five minutes
    enqueue_after_commit("reserve.tasks.refresh_one_ledger")
