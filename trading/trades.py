"""The trading procedure (seed 001 Arts 11-22): application, qualification of each party within 5
working days, announcement (the offer is held), method, trade (bidding, negotiated, fixed), contract,
settlement through a third party, confirmation (the quota moves), publication. Every step is one
service that checks state and role, records who and when in the audit trail, and notifies."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import money
from accounting import trading as rules
from accounting.quantities import QuantityError
from accounting.quantities import quantity as exact_quantity
from ledger import services as ledger
from ledger.models import AccountKind, Lot, LotStatus, TransactionKind
from quota_registry import inputs, jurisdiction
from quota_registry.audit.services import record
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, Role, User
from quota_registry.review.services import TransitionNotAllowed, next_number
from quota_registry.workdays import WorkdayCalendar

from .models import (
    Bid,
    Deal,
    PartyRole,
    ReferencePrice,
    Trade,
    TradeLot,
    TradeMethod,
    TradeParty,
    TradeStatus,
)
from .services import obligation_create

QUALIFICATION_WORKING_DAYS = 5
PRICE_PLACES = Decimal("0.01")


def _city(actor):
    if actor.role not in CITY_ROLES:
        raise PermissionDenied(_("The city bureau organises trades."))


def _state(trade, *allowed):
    if trade.status not in allowed:
        raise TransitionNotAllowed(trade.status, "trade", label=TradeStatus(trade.status).label)


def _lock(actor, pk):
    from .selectors import trades

    trade = trades(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if trade is None:
        from django.http import Http404

        raise Http404(_("No such record, or it is not within your area of responsibility."))
    return trade


def _step(actor, trade, action, **after):
    record(actor=actor, action=f"trade.{action}", obj=trade, after={"status": trade.status, **after})


def _link(trade):
    return reverse("trading:trade-detail", args=[trade.pk])


def _seller_account(actor, seller):
    if seller is None:
        return ledger.account(AccountKind.POOL)
    return ledger.account(AccountKind.ENTERPRISE, seller)


@transaction.atomic
def trade_create(*, actor, pollutant, lots: list[tuple[Lot, Decimal]]) -> Trade:
    """City staff offer reserve quota; an enterprise offers quota it holds (its general account)."""
    if actor.role in CITY_ROLES:
        seller = None
    elif actor.role == Role.ENTERPRISE_USER:
        seller = actor.organisation
    else:
        raise PermissionDenied(_("Quota is offered by the city reserve or by an enterprise holding it."))
    if not lots:
        raise ValidationError({"lots": _("Choose the lots and quantities to offer.")})
    account = _seller_account(actor, seller)
    errors, rows, total = {}, [], Decimal("0")
    for index, (lot, q) in enumerate(lots):
        try:
            q = exact_quantity(q)
        except QuantityError as exc:
            errors[f"lots[{index}].quantity"] = str(exc)
            continue
        if q <= 0:
            errors[f"lots[{index}].quantity"] = _("The quantity must be more than zero.")
            continue
        if lot.pollutant_id != pollutant.pk or lot.status != LotStatus.ACTIVE or lot.valid_until < timezone.localdate():
            errors[f"lots[{index}].lot"] = _("Lot %(lot)s is not valid quota of this factor.") % {"lot": lot.number}
            continue
        if ledger.balance(account, lot) < q:
            errors[f"lots[{index}].quantity"] = _("Only %(have)s of lot %(lot)s is held by the seller.") % {
                "have": ledger.balance(account, lot), "lot": lot.number}
            continue
        rows.append((lot, q))
        total += q
    if errors:
        raise ValidationError(errors)
    region = seller.region if seller else lots[0][0].region.parent or lots[0][0].region
    trade = Trade.objects.create(number=next_number("JY"), seller=seller, region=region, pollutant=pollutant,
                                 rule_set=jurisdiction.rule_set_code(region),
                                 quantity=total, created_by=actor)
    TradeLot.objects.bulk_create([TradeLot(trade=trade, lot=lot, account=account, quantity=q) for lot, q in rows])
    if seller is not None:
        _party(trade, seller, PartyRole.SELLER, None)
    _step(actor, trade, "apply", quantity=str(total), seller=trade.seller_name)
    return trade


def _party(trade, organisation, role, wanted):
    due = WorkdayCalendar.load().add_working_days(timezone.localdate(), QUALIFICATION_WORKING_DAYS).date
    party = TradeParty.objects.create(trade=trade, organisation=organisation, role=role, wanted_quantity=wanted,
                                      qualification_due=due)
    reviewers = User.objects.filter(is_active=True).filter(
        role=Role.COUNTY_REVIEWER, organisation__region=organisation.region)
    notify(recipients=list(reviewers) + list(User.objects.filter(role=Role.CITY_REVIEWER, is_active=True)),
           subject=_("Qualify %(org)s for trade %(number)s by %(date)s") % {
               "org": organisation.name, "number": trade.number, "date": f"{due:%Y-%m-%d}"}, link=_link(trade))
    return party


@transaction.atomic
def trade_interest(*, actor, pk: int, wanted) -> TradeParty:
    """An enterprise applies to buy from an announced trade."""
    trade = _lock(actor, pk)
    if actor.role != Role.ENTERPRISE_USER:
        raise PermissionDenied(_("Enterprises apply to buy."))
    _state(trade, TradeStatus.ANNOUNCED)
    if trade.seller_id == actor.organisation_id:
        raise ValidationError(_("An enterprise cannot buy its own offer."))
    wanted = inputs.check_quantity(wanted, field="wanted_quantity", label=_("Quantity wanted"),
                                   unit=trade.pollutant.unit)
    if TradeParty.objects.filter(trade=trade, organisation=actor.organisation).exists():
        raise ValidationError(_("Your enterprise has already applied for this trade."))
    party = _party(trade, actor.organisation, PartyRole.BUYER, wanted)
    _step(actor, trade, "interest", buyer=actor.organisation.name, wanted=str(wanted))
    return party


@transaction.atomic
def trade_qualify(*, actor, party_id: int, qualified: bool, opinion: str = "") -> TradeParty:
    """The party's bureau (its county, or the city) decides its qualification."""
    party = TradeParty.objects.select_for_update().select_related("trade", "organisation").get(pk=party_id)
    county_ok = actor.role == Role.COUNTY_REVIEWER and actor.organisation.region_id == party.organisation.region_id
    if not (county_ok or actor.role in CITY_ROLES):
        raise PermissionDenied(_("The party's county bureau or the city bureau decides its qualification."))
    if party.qualified is not None:
        raise ValidationError(_("This qualification has already been decided."))
    opinion = inputs.check_text(opinion, field="opinion", label=_("Opinion"), limit=inputs.OPINION,
                                required=not qualified,
                                required_message=_("Give the reason why the party does not qualify."))
    party.qualified, party.decided_by, party.decided_at, party.opinion = qualified, actor, timezone.now(), opinion
    party.save()
    _step(actor, party.trade, "qualify", party=party.organisation.name, qualified=qualified, opinion=opinion)
    notify(recipients=User.objects.filter(organisation=party.organisation, is_active=True),
           subject=_("Trade %(number)s: your qualification is %(result)s") % {
               "number": party.trade.number, "result": _("approved") if qualified else _("refused")},
           body=opinion, link=_link(party.trade))
    return party


@transaction.atomic
def trade_announce(*, actor, pk: int) -> Trade:
    """Publish the offer and hold its quantity, so it cannot be sold twice."""
    _city(actor)
    trade = _lock(actor, pk)
    _state(trade, TradeStatus.APPLIED)
    if trade.seller_id and not trade.parties.filter(role=PartyRole.SELLER, qualified=True).exists():
        raise ValidationError(_("The seller's qualification must be approved before the announcement."))
    legs = [ledger.Leg(tl.lot, tl.account, ledger.account(AccountKind.HOLD), tl.quantity)
            for tl in trade.lots.select_related("lot", "account")]
    trade.hold_transaction = ledger.post(actor=actor, kind=TransactionKind.HOLD, legs=legs, subject=trade,
                                         memo=_("Held for trade %(number)s") % {"number": trade.number})
    trade.status = TradeStatus.ANNOUNCED
    trade.save(update_fields=["hold_transaction", "status"])
    _step(actor, trade, "announce")
    return trade


def suggestion(trade) -> rules.MethodSuggestion:
    buyers = trade.parties.filter(role=PartyRole.BUYER, qualified=True)
    wanted = buyers.aggregate(w=Sum("wanted_quantity"))["w"] or Decimal("0")
    return rules.suggest_method(seller_is_reserve=trade.seller_id is None, qualified_buyers=buyers.count(),
                                wanted=wanted, offered=trade.quantity)


def historical_bidding_prices(pollutant) -> list[Decimal]:
    return list(Deal.objects.filter(trade__pollutant=pollutant, trade__method=TradeMethod.BIDDING,
                                    trade__status__in=[TradeStatus.CONFIRMED, TradeStatus.PUBLISHED])
                .values_list("unit_price", flat=True))


@transaction.atomic
def trade_set_method(*, actor, pk: int, method: str | None = None, reason: str = "", starting_price=None,
                     increment=None, opens=None, closes=None) -> Trade:
    """The method the rules suggest, or another with the reason; bidding gets its window and prices."""
    _city(actor)
    trade = _lock(actor, pk)
    _state(trade, TradeStatus.ANNOUNCED)
    suggested = suggestion(trade)
    method = method or suggested.method
    if method not in TradeMethod.values:
        raise ValidationError({"method": _("Choose negotiated, bidding or fixed.")})
    reason = inputs.check_text(reason, field="reason", label=_("Reason"), limit=inputs.REASON)
    if method != suggested.method and not reason:
        raise ValidationError({"reason": _("The rules suggest %(m)s: give the reason for choosing otherwise.") % {
            "m": TradeMethod(suggested.method).label}})
    if not trade.parties.filter(role=PartyRole.BUYER, qualified=True).exists():
        raise ValidationError(_("No buyer has qualified yet."))
    if method == TradeMethod.BIDDING:
        errors = {}
        prices = {}
        for name, value, missing, label in (("starting_price", starting_price, _("Give the starting price."),
                                             _("Starting price")),
                                            ("increment", increment, _("Give the minimum increment."),
                                             _("Minimum increment"))):
            if value in (None, ""):
                errors[name] = missing
                continue
            try:
                prices[name] = inputs.check_price(value, field=name, label=label)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if not opens or not closes or closes <= opens:
            errors["closes"] = _("The bidding window must close after it opens.")
        if errors:
            raise ValidationError(errors)
        trade.starting_price, trade.increment = prices["starting_price"], prices["increment"]
        trade.bidding_opens, trade.bidding_closes = opens, closes
    if method == TradeMethod.FIXED:
        try:
            trade.starting_price = rules.fixed_price(historical_bidding_prices(trade.pollutant))
        except ValueError as exc:
            raise ValidationError({"method": str(exc)}) from exc
    trade.method, trade.suggested_method = method, suggested.method
    trade.method_reason = suggested.reason if method == suggested.method else reason
    trade.status = TradeStatus.TRADING
    trade.save()
    _step(actor, trade, "method", method=method, suggested=suggested.method, reason=trade.method_reason)
    return trade


@transaction.atomic
def trade_bid(*, actor, pk: int, quantity, unit_price, now=None) -> Bid:
    trade = _lock(actor, pk)
    now = now or timezone.now()
    if trade.status != TradeStatus.TRADING or trade.method != TradeMethod.BIDDING:
        raise TransitionNotAllowed(trade.status, "bid", label=TradeStatus(trade.status).label)
    if not (trade.bidding_opens <= now < trade.bidding_closes):
        raise ValidationError(_("Bids are accepted from %(o)s to %(c)s.") % {
            "o": f"{timezone.localtime(trade.bidding_opens):%Y-%m-%d %H:%M}",
            "c": f"{timezone.localtime(trade.bidding_closes):%Y-%m-%d %H:%M}"})
    party = TradeParty.objects.filter(trade=trade, organisation=actor.organisation, role=PartyRole.BUYER,
                                      qualified=True).first()
    if actor.role != Role.ENTERPRISE_USER or party is None:
        raise PermissionDenied(_("Only qualified buyers may bid."))
    q = inputs.check_quantity(quantity, field="quantity", unit=trade.pollutant.unit)
    price = inputs.check_price(unit_price, field="unit_price")
    if q <= 0 or q > trade.quantity:
        raise ValidationError({"quantity": _("Bid for more than zero and at most the %(q)s offered.") % {
            "q": trade.quantity}})
    problem = rules.bid_problem(price, starting_price=trade.starting_price, increment=trade.increment)
    if problem:
        raise ValidationError({"unit_price": problem})
    bid = Bid.objects.create(trade=trade, party=party, quantity=q, unit_price=price, placed_at=now)
    _step(actor, trade, "bid", buyer=actor.organisation.name, quantity=str(q), price=str(price))
    return bid


def _reference(pollutant, day):
    price = ReferencePrice.objects.filter(pollutant=pollutant, effective_from__lte=day).order_by("-effective_from").first()
    return price.price if price and (price.effective_to is None or price.effective_to >= day) else None


@transaction.atomic
def trade_close(*, actor, pk: int, buyer=None, quantity=None, unit_price=None, now=None) -> list[Deal]:
    """Strike the deals: bidding by ranking once the window has closed; negotiated at the agreed price;
    fixed at the highest historical bidding price."""
    _city(actor)
    trade = _lock(actor, pk)
    _state(trade, TradeStatus.TRADING)
    now = now or timezone.now()
    reference = _reference(trade.pollutant, timezone.localdate())
    deals = []
    if trade.method == TradeMethod.BIDDING:
        if now < trade.bidding_closes:
            raise ValidationError(_("The bidding window is still open."))
        bids = list(trade.bids.select_related("party__organisation"))
        allocation = rules.allocate_bids([rules.BidIn(b.pk, b.unit_price, b.placed_at, b.quantity) for b in bids],
                                         trade.quantity)
        by_id = {b.pk: b for b in bids}
        for bid_id, q in allocation:
            b = by_id[bid_id]
            deals.append(Deal(trade=trade, buyer=b.party.organisation, quantity=q, unit_price=b.unit_price,
                              amount=money.line_amount(q, b.unit_price), reference_price=reference))
    else:
        party = TradeParty.objects.filter(trade=trade, organisation=buyer, role=PartyRole.BUYER, qualified=True).first()
        if party is None:
            raise ValidationError({"buyer": _("Choose a qualified buyer.")})
        try:
            q = exact_quantity(quantity if quantity is not None else party.wanted_quantity)
        except QuantityError as exc:
            raise ValidationError({"quantity": str(exc)}) from exc
        if q <= 0 or q > trade.quantity:
            raise ValidationError({"quantity": _("At most the %(q)s offered.") % {"q": trade.quantity}})
        if trade.method == TradeMethod.FIXED:
            price = trade.starting_price
        elif unit_price in (None, ""):
            raise ValidationError({"unit_price": _("Give the price the parties agreed.")})
        else:
            price = inputs.check_price(unit_price, field="unit_price", label=_("Agreed unit price"))
        deals.append(Deal(trade=trade, buyer=buyer, quantity=q, unit_price=price,
                          amount=money.line_amount(q, price), reference_price=reference))
    if not deals:
        raise ValidationError(_("No acceptable bid: cancel the trade or announce it again."))
    Deal.objects.bulk_create(deals)
    trade.status = TradeStatus.TRADED
    trade.save(update_fields=["status"])
    _step(actor, trade, "deal", deals=[{"buyer": d.buyer.name, "quantity": str(d.quantity), "price": str(d.unit_price)}
                                       for d in deals])
    return deals


@transaction.atomic
def trade_contract(*, actor, pk: int, contract_number: str) -> Trade:
    _city(actor)
    trade = _lock(actor, pk)
    _state(trade, TradeStatus.TRADED)
    contract_number = inputs.check_text(contract_number, field="contract_number", label=_("Contract number"),
                                        limit=Trade._meta.get_field("contract_number").max_length, required=True,
                                        required_message=_("Give the contract number."))
    trade.contract_number, trade.status = contract_number, TradeStatus.CONTRACTED
    trade.save(update_fields=["contract_number", "status"])
    _step(actor, trade, "contract", contract_number=trade.contract_number)
    return trade


def settlement_problems(deal, trade, *, buyer_paid_at, seller_paid_at, buyer_fee, seller_fee) -> dict:
    """What is wrong with a settlement record (seed 001 Art 20): the buyer pays after the contract is signed and
    not in the future; the seller is paid after the buyer's payment arrived; a fee is not negative and not more
    than the deal's amount."""
    errors, now = {}, timezone.now()
    paid = buyer_paid_at or deal.buyer_paid_at
    if buyer_paid_at is not None and not (trade.created_at <= buyer_paid_at <= now):
        errors["buyer_paid_at"] = _("The buyer's payment is dated between the trade's application (%(start)s) and now.") % {
            "start": f"{timezone.localtime(trade.created_at):%Y-%m-%d %H:%M}"}
    if seller_paid_at is not None:
        if not paid:
            errors["seller_paid_at"] = _("The seller is paid only after the buyer's payment is received.")
        elif seller_paid_at < paid:
            errors["seller_paid_at"] = _("The payment to the seller cannot be dated before the buyer's payment "
                                         "(%(paid)s).") % {"paid": f"{timezone.localtime(paid):%Y-%m-%d %H:%M}"}
        elif seller_paid_at > now:
            errors["seller_paid_at"] = _("The payment to the seller cannot be dated in the future.")
    for name, value, label in (("buyer_fee", buyer_fee, _("Buyer's service fee")),
                               ("seller_fee", seller_fee, _("Seller's service fee"))):
        if value is None:
            continue
        try:
            fee = money.amount(value, field=label)
        except QuantityError as exc:
            errors[name] = str(exc)
            continue
        if fee > deal.amount:
            errors[name] = _("%(field)s cannot be more than the deal's amount (%(amount)s 元).") % {
                "field": label, "amount": deal.amount}
    return errors


@transaction.atomic
def trade_settle(*, actor, deal_id: int, buyer_paid_at=None, seller_paid_at=None, buyer_fee=None,
                 seller_fee=None) -> Deal:
    """The third-party settlement records the buyer's payment, the service fees and the payment to the seller."""
    _city(actor)
    deal = Deal.objects.select_for_update().select_related("trade").get(pk=deal_id)
    trade = _lock(actor, deal.trade_id)
    _state(trade, TradeStatus.CONTRACTED)
    errors = settlement_problems(deal, trade, buyer_paid_at=buyer_paid_at, seller_paid_at=seller_paid_at,
                                 buyer_fee=buyer_fee, seller_fee=seller_fee)
    if errors:
        raise ValidationError(errors)
    for name, value in (("buyer_paid_at", buyer_paid_at), ("seller_paid_at", seller_paid_at),
                        ("buyer_fee", buyer_fee), ("seller_fee", seller_fee)):
        if value is not None:
            setattr(deal, name, value)
    deal.save()
    _step(actor, trade, "settle", deal=deal.pk, buyer_paid=bool(deal.buyer_paid_at), seller_paid=bool(deal.seller_paid_at))
    if all(d.settled for d in trade.deals.all()):
        trade.status = TradeStatus.SETTLED
        trade.save(update_fields=["status"])
        _step(actor, trade, "settled")
    return deal


@transaction.atomic
def trade_confirm(*, actor, pk: int) -> Trade:
    """Only a settled trade is confirmed: the sold quantity moves from the hold to the buyers, the rest
    goes back to the seller, and the transferors get their permit-change obligations."""
    if actor.role != Role.CITY_APPROVER:
        raise PermissionDenied(_("The city approver confirms trades."))
    trade = _lock(actor, pk)
    if trade.status != TradeStatus.SETTLED:
        raise ValidationError(_("Only a settled trade can be confirmed: every deal must be paid and paid out."))
    hold = ledger.account(AccountKind.HOLD)
    remaining = [[tl.lot, tl.account, tl.quantity] for tl in trade.lots.select_related("lot__enterprise", "account")]
    legs, sold_by_lot = [], {}
    for deal in trade.deals.select_related("buyer"):
        need, buyer_account = deal.quantity, ledger.account(AccountKind.ENTERPRISE, deal.buyer)
        for row in remaining:
            if need <= 0:
                break
            take = min(need, row[2])
            if take > 0:
                legs.append(ledger.Leg(row[0], hold, buyer_account, take))
                sold_by_lot[row[0]] = sold_by_lot.get(row[0], Decimal("0")) + take
                row[2] -= take
                need -= take
    legs += [ledger.Leg(lot, hold, account, q) for lot, account, q in remaining if q > 0]  # unsold: back to seller
    ledger.post(actor=actor, kind=TransactionKind.TRANSFER, legs=legs, subject=trade,
                memo=_("Trade %(number)s confirmed") % {"number": trade.number})
    trade.status, trade.confirmed_at = TradeStatus.CONFIRMED, timezone.now()
    trade.save(update_fields=["status", "confirmed_at"])
    today = timezone.localdate()
    by_origin = {}
    for lot, q in sold_by_lot.items():
        by_origin.setdefault(lot.enterprise, []).append((lot, q))
    buyers = "、".join(d.buyer.name for d in trade.deals.all())
    calendar = WorkdayCalendar.load()
    for enterprise, rows in by_origin.items():
        obligation_create(
            enterprise=enterprise, region=enterprise.region, origin=trade, calendar=calendar,
            transferred=[{"pollutant": lot.pollutant.code, "unit": lot.pollutant.unit, "lot": lot.number,
                          "quantity": str(q)} for lot, q in rows],
            destination=f"{buyers}（{trade.number}）",
            measure_completed_on=max(lot.completed_on or lot.verified_on for lot, _q in rows), approved_on=today,
            working_days=jurisdiction.rule_set(trade.rule_set).permit_change_working_days)
    _step(actor, trade, "confirm")
    return trade


@transaction.atomic
def trade_publish(*, actor, pk: int) -> Trade:
    _city(actor)
    trade = _lock(actor, pk)
    _state(trade, TradeStatus.CONFIRMED)
    trade.status, trade.published_at = TradeStatus.PUBLISHED, timezone.now()
    trade.save(update_fields=["status", "published_at"])
    _step(actor, trade, "publish")
    return trade


@transaction.atomic
def trade_cancel(*, actor, pk: int, reason: str) -> Trade:
    _city(actor)
    trade = _lock(actor, pk)
    if trade.status in (TradeStatus.CONFIRMED, TradeStatus.PUBLISHED, TradeStatus.CANCELLED):
        raise TransitionNotAllowed(trade.status, "cancel", label=TradeStatus(trade.status).label)
    reason = inputs.check_text(reason, field="reason", label=_("Reason"), limit=inputs.REASON, required=True,
                               required_message=_("Give the reason for cancelling."))
    if trade.hold_transaction_id:
        ledger.release(actor=actor, hold_transaction=trade.hold_transaction, memo=reason)
    trade.status, trade.cancel_reason = TradeStatus.CANCELLED, reason
    trade.save(update_fields=["status", "cancel_reason"])
    _step(actor, trade, "cancel", reason=reason)
    return trade


