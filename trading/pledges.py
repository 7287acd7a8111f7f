"""Pledges (排污权抵押, seed 001 Arts 6 and 12(7)): an enterprise applies to register a pledge of quota it holds to a
bank; the city registers it (the quantity moves to the ledger's PLEDGED account: it cannot be withdrawn, returned,
traded or pledged again), or refuses it; the bank (or the city) records the repayment (the quantity goes back), or
the bank declares the default with its proof, and the pledged quantity is offered for sale through a trade whose
documents include the pledge contract and the default proof. The steps are the engine's (trading/workflows.py: the
`pledge` kind); this module holds what they check and do."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import log
from ledger import services as ledger
from ledger.models import AccountKind, LogLeaf, LotStatus, TransactionKind
from quota_registry import inputs, jurisdiction
from quota_registry.audit.services import record, snapshot
from quota_registry.files.selectors import visible_to
from quota_registry.files.services import attachments_add
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import OrganisationKind, Role
from quota_registry.orgs.selectors import city_staff
from quota_registry.review.services import next_number

from .models import PartyRole, Pledge, PledgeStatus, Trade, TradeLot, TradeStatus


@transaction.atomic
def pledge_create(*, actor, bank, lot, quantity, contract_number: str, secured_amount, starts_on: datetime.date,
                  ends_on: datetime.date, files=()) -> Pledge:
    """The enterprise applies to register the pledge of quota in its general account; the contract is attached."""
    if getattr(actor, "role", None) != Role.ENTERPRISE_USER:
        raise PermissionDenied(_("A pledge is applied for by the enterprise holding the quota."))
    enterprise = actor.organisation
    account = ledger.account(AccountKind.ENTERPRISE, enterprise)
    errors = {}
    if bank is None or bank.kind != OrganisationKind.BANK or not bank.is_active:
        errors["bank"] = _("Choose the bank that takes the pledge.")
    if lot is None or lot.status != LotStatus.ACTIVE or lot.valid_until < timezone.localdate():
        errors["lot"] = _("Choose valid quota that your enterprise holds.")
    else:
        try:
            quantity = inputs.check_quantity(quantity, field="quantity", unit=lot.pollutant.unit,
                                             label=_("Quantity pledged"))
            held = ledger.balance(account, lot)
            if quantity > held:
                errors["quantity"] = _("Only %(held)s of lot %(lot)s is in your general account.") % {
                    "held": held, "lot": lot.number}
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        contract_number = inputs.check_text(contract_number, field="contract_number", label=_("Pledge contract number"),
                                            limit=60, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        secured_amount = inputs.check_amount(secured_amount, field="secured_amount", label=_("Amount secured"))
        if secured_amount <= 0:
            errors["secured_amount"] = _("Amount secured must be more than zero.")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if starts_on is None or ends_on is None or ends_on < starts_on:
        errors["ends_on"] = _("The pledge period must end on or after its first day.")
    elif ends_on < timezone.localdate():
        errors["ends_on"] = _("The pledge period has already ended.")
    if not files:
        errors["files"] = _("Attach the pledge contract.")
    if errors:
        raise ValidationError(errors)
    pledge = Pledge.objects.create(
        number=next_number("DY", region=enterprise.region_id), enterprise=enterprise, bank=bank, region=enterprise.region,
        lot=lot, account=account,
        quantity=quantity, contract_number=contract_number, secured_amount=secured_amount, starts_on=starts_on,
        ends_on=ends_on, created_by=actor)
    attachments_add(actor=actor, owner=pledge, files=files, purpose=_("pledge contract"), organisation=enterprise,
                    region=enterprise.region)
    record(actor=actor, action="pledge.create", obj=pledge, after=snapshot(pledge))
    notify(recipients=city_staff(pledge.region_id, {Role.CITY_REVIEWER, Role.CITY_APPROVER}),
           subject=_("Register pledge %(number)s of %(enterprise)s") % {"number": pledge.number,
                                                                        "enterprise": enterprise.name},
           link=pledge.get_absolute_url())
    return pledge


def check_register(actor, pledge, values) -> None:
    held = ledger.balance(pledge.account, pledge.lot)
    if held < pledge.quantity:
        raise ValidationError(_("The enterprise now holds only %(held)s of lot %(lot)s: it cannot pledge "
                                "%(quantity)s.") % {"held": held, "lot": pledge.lot.number, "quantity": pledge.quantity})


def register(ctx) -> None:
    """The encumbrance: the pledged quantity moves to the PLEDGED account, under the pledge."""
    pledge = ctx.record
    pledge.encumbrance = ledger.post(
        actor=ctx.actor, kind=TransactionKind.PLEDGE, subject=pledge,
        legs=[ledger.Leg(pledge.lot, pledge.account, ledger.account(AccountKind.PLEDGED), pledge.quantity)],
        memo=_("Pledge %(number)s registered") % {"number": pledge.number})
    pledge.save(update_fields=["encumbrance"])


def release(ctx) -> None:
    """Repaid: the quantity goes back where it came from. After an enforcement sale has ended (confirmed or
    cancelled), what it did not sell goes back to the enterprise."""
    pledge = ctx.record
    memo = _("Pledge %(number)s released") % {"number": pledge.number}
    if ctx.from_status == PledgeStatus.REGISTERED:
        ledger.reverse(actor=ctx.actor, original=pledge.encumbrance, kind=TransactionKind.UNPLEDGE, memo=memo)
        return
    left = unsold(pledge)
    if left > 0:
        ledger.post(actor=ctx.actor, kind=TransactionKind.UNPLEDGE, subject=pledge, memo=memo,
                    legs=[ledger.Leg(pledge.lot, ledger.account(AccountKind.PLEDGED), pledge.account, left)])


ENDED = (TradeStatus.CONFIRMED, TradeStatus.PUBLISHED, TradeStatus.CANCELLED)


def unsold(pledge):
    """What of a defaulted pledge its enforcement sale did not sell (all of it when the sale was cancelled)."""
    trade = pledge.trade
    if trade is None or trade.status == TradeStatus.CANCELLED:
        return pledge.quantity
    return pledge.quantity - sum((d.quantity for d in trade.deals.all()), 0)


def check_release(actor, pledge, values) -> None:
    if pledge.status == PledgeStatus.DEFAULTED and (pledge.trade is None or pledge.trade.status not in ENDED):
        raise ValidationError(_("The enforcement sale %(number)s has not ended: what it does not sell is released "
                                "once it is confirmed or cancelled.") % {"number": getattr(pledge.trade, "number", "")})


def enforce(ctx) -> None:
    """The default (seed 001 Art 12(7)): the pledged quantity is offered for sale, the enterprise as the seller, its
    documents the pledge contract and the default proof (on this pledge, linked from the trade); the trade then
    follows its procedure (qualification, announcement, method, ...)."""
    pledge = ctx.record
    trade = Trade.objects.create(
        number=next_number("JY", region=pledge.enterprise.region_id), seller=pledge.enterprise, region=pledge.enterprise.region,
        pollutant=pledge.lot.pollutant, quantity=pledge.quantity,
        rule_set=jurisdiction.rule_set_code(pledge.enterprise.region), created_by=ctx.actor)
    TradeLot.objects.create(trade=trade, lot=pledge.lot, account=ledger.account(AccountKind.PLEDGED),
                            quantity=pledge.quantity)
    from .trades import _party

    _party(trade, pledge.enterprise, PartyRole.SELLER, None)
    pledge.trade = trade
    pledge.save(update_fields=["trade"])
    record(actor=ctx.actor, action="trade.apply", obj=trade,
           after={"status": trade.status, "quantity": str(trade.quantity), "pledge": pledge.number})


@visible_to
def _banks_read_their_pledges_files(user):
    """The pledge contract, the repayment and default proofs: the bank holding the pledge reads them."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from quota_registry.review.models import Review

    if not getattr(user, "is_bank_user", False):
        return Q(pk__in=[])
    mine = Pledge.objects.filter(bank_id=user.organisation_id).values("pk")
    pledge_type = ContentType.objects.get_for_model(Pledge)
    decisions = Review.objects.filter(content_type=pledge_type, object_id__in=mine).values("pk")
    return (Q(content_type=pledge_type, object_id__in=mine)
            | Q(content_type=ContentType.objects.get_for_model(Review), object_id__in=decisions))


def position(pledge) -> dict | None:
    """What the pledge's page shows of the public log: the registration's leaf, the address where anyone verifies
    its inclusion, and the openings of the pledgor's commitments in it (for the bank to check the holding)."""
    if pledge.encumbrance_id is None:
        return None
    log.receipt(pledge)  # integrates what is not in the log yet
    leaf = LogLeaf.objects.filter(transaction_id=pledge.encumbrance_id).select_related("transaction").first()
    return {"sequence": pledge.encumbrance.sequence, "leaf": leaf,
            "openings": log.openings_of(leaf, pledge.enterprise) if leaf is not None else {}}
