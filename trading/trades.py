"""The trading procedure (seed 001 Arts 11-22): application, qualification of each party within 5 working days,
announcement (the offer is held), method, trade (bidding, negotiated, fixed), contract, settlement through a third
party, confirmation (the quota moves), publication. An offer is created here (`trade_create`); every later step is
a step of the workflow engine (trading/workflows.py: who, from which state, with what input), and this module holds
what the steps check and do: their rules and their ledger postings."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import money
from accounting import trading as rules
from accounting.quantities import QuantityError
from accounting.quantities import quantity as exact_quantity
from ledger import services as ledger
from ledger.models import AccountKind, LotStatus, TransactionKind
from quota_registry import jurisdiction
from quota_registry.audit.services import record
from quota_registry.compiled import Compiled
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, TRADING_GATES, Organisation, OrganisationKind, Restriction, Role, User
from quota_registry.orgs.selectors import city_staff
from quota_registry.orgs.services import check_may_trade, restrictions_in_force, trading_refusal
from quota_registry.review.services import next_number
from quota_registry.workdays import Calendars, WorkdayCalendar

from . import fees, prices
from .models import (
    Bid,
    Deal,
    Deposit,
    DepositStatus,
    PartyRole,
    PartyStatus,
    Trade,
    TradeLot,
    TradeMethod,
    TradeParty,
    TradeStatus,
)
from .services import obligation_create

QUALIFICATION_WORKING_DAYS = 5
PRICE_PLACES = Decimal("0.01")


def _step(actor, trade, action, **after):
    record(actor=actor, action=f"trade.{action}", obj=trade, after={"status": trade.status, **after})


def _link(trade):
    return reverse("trading:trade-detail", args=[trade.pk])


def _seller_account(actor, seller):
    if seller is None:
        return ledger.pool(actor.organisation.region_id)  # the reserve of the city whose staff offer it
    return ledger.account(AccountKind.ENTERPRISE, seller)


@transaction.atomic
def trade_create(*, actor, pollutant, lots: list[tuple]) -> Trade:
    """City staff offer reserve quota; an enterprise offers quota it holds: `lots` are (lot, quantity) from the
    seller's general account, or (lot, quantity, account) from one of its projects' accounts where the rule set
    allows it (seed 003 Art 18). An enterprise that has not paid its paid-use fees in full offers nothing (seed 001
    Art 21)."""
    if actor.role in CITY_ROLES:
        seller = None
    elif actor.role == Role.ENTERPRISE_USER:
        seller = actor.organisation
    else:
        raise PermissionDenied(_("Quota is offered by the city reserve or by an enterprise holding it."))
    if not lots:
        raise ValidationError({"lots": _("Choose the lots and quantities to offer.")})
    fees.check_paid_in_full(seller, pollutant)
    if seller is not None:
        check_may_trade(seller, timezone.localdate())  # issue 18: the city's list
    general = _seller_account(actor, seller)
    rule_set = jurisdiction.rule_set(jurisdiction.rule_set_code(seller.region)) if seller else None
    errors, rows, total = {}, [], Decimal("0")
    for index, (lot, q, *given) in enumerate(lots):
        account = given[0] if given and given[0] is not None else general
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
        if account != general:
            problem = (_("Choose one of the seller's own accounts.") if seller is None or account.kind !=
                       AccountKind.ENTERPRISE or account.organisation_id != seller.pk
                       else rule_set.project_quota_offer(paid=fees.project_account_paid(account, lot.pollutant)))
            if problem:
                errors[f"lots[{index}].account"] = problem
                continue
        if ledger.balance(account, lot) < q:
            errors[f"lots[{index}].quantity"] = _("Only %(have)s of lot %(lot)s is held by the seller.") % {
                "have": ledger.balance(account, lot), "lot": lot.number}
            continue
        rows.append((lot, q, account))
        total += q
    if errors:
        raise ValidationError(errors)
    region = seller.region if seller else lots[0][0].region.parent or lots[0][0].region
    trade = Trade.objects.create(number=next_number("JY", region=region), seller=seller, region=region, pollutant=pollutant,
                                 rule_set=jurisdiction.rule_set_code(region),
                                 quantity=total, created_by=actor)
    TradeLot.objects.bulk_create([TradeLot(trade=trade, lot=lot, account=account, quantity=q)
                                  for lot, q, account in rows])
    if seller is not None:
        _party(trade, seller, PartyRole.SELLER, None)
    _step(actor, trade, "apply", quantity=str(total), seller=trade.seller_name)
    return trade


def _party(trade, organisation, role, wanted, major_project=False):
    due = WorkdayCalendar.load(city=trade.region_id).add_working_days(timezone.localdate(),
                                                                       QUALIFICATION_WORKING_DAYS).date
    party = TradeParty.objects.create(trade=trade, organisation=organisation, role=role, wanted_quantity=wanted,
                                      qualification_due=due, major_project=major_project)
    reviewers = User.objects.filter(is_active=True).filter(
        role=Role.COUNTY_REVIEWER, organisation__region=organisation.region)
    notify(recipients=list(reviewers) + list(city_staff(trade.region_id, {Role.CITY_REVIEWER})),
           subject=_("Qualify %(org)s for trade %(number)s by %(date)s") % {
               "org": organisation.name, "number": trade.number, "date": f"{due:%Y-%m-%d}"}, link=_link(trade))
    return party


def qualified(trade, role=PartyRole.BUYER):
    return trade.parties.filter(role=role, status=PartyStatus.QUALIFIED)


# --- interest (an enterprise applies to buy) ---------------------------------------------------------------------

def may_apply_to_buy(actor, trade) -> bool:
    """An enterprise other than the seller that has not applied yet."""
    return (trade.seller_id != actor.organisation_id
            and not trade.parties.filter(organisation_id=actor.organisation_id).exists())


def check_interest(actor, trade, values) -> None:
    check_may_trade(actor.organisation, timezone.localdate())
    if values["wanted_quantity"] <= 0:
        raise ValidationError({"wanted_quantity": _("The quantity must be more than zero.")})


def interest(ctx) -> None:
    _party(ctx.record, ctx.actor.organisation, PartyRole.BUYER, ctx.values["wanted_quantity"],
           major_project=bool(ctx.values.get("major_project")))


# --- buy-back (收储, seed 001 Art 5) -----------------------------------------------------------------------------

def city_bureau():
    """The organisation that buys back into the reserve (the city bureau: the buyer of a buy-back's deal)."""
    return Organisation.objects.filter(kind=OrganisationKind.CITY_BUREAU, is_active=True).order_by("pk").first()


def is_reserve(organisation) -> bool:
    return organisation is not None and organisation.kind == OrganisationKind.CITY_BUREAU


def check_buy_back(actor, trade, values) -> None:
    """Seed 001 Art 5: the government buys quota an enterprise offers back into the reserve, as a buyer of the trade."""
    if trade.seller_id is None:
        raise ValidationError(_("The reserve does not buy back its own quota."))
    if city_bureau() is None:
        raise ValidationError(_("No city bureau is registered to buy for the reserve."))
    if trade.parties.filter(organisation=city_bureau()).exists():
        raise ValidationError(_("The reserve has already applied to buy this offer."))
    q = values["wanted_quantity"]
    if q <= 0 or q > trade.quantity:
        raise ValidationError({"wanted_quantity": _("At most the %(q)s offered.") % {"q": trade.quantity}})


def buy_back(ctx) -> None:
    """The reserve becomes a qualified buyer of the offer: its decision is this step's (who, when, why)."""
    TradeParty.objects.create(
        trade=ctx.record, organisation=city_bureau(), role=PartyRole.BUYER, wanted_quantity=ctx.values["wanted_quantity"],
        qualification_due=timezone.localdate(), status=PartyStatus.QUALIFIED)


# --- announce -----------------------------------------------------------------------------------------------------

NOTICE_WORKING_DAYS = 5  # seed 001 Art 17
ANNOUNCEMENT_WORKING_DAYS = 10  # what the announce form proposes: the seeds set no length, the city decides


def proposed_announcement_end(trade=None, actor=None):
    calendar = WorkdayCalendar.load(city=trade.region_id if trade is not None else None)
    return calendar.add_working_days(timezone.localdate(), ANNOUNCEMENT_WORKING_DAYS).date


def notice_due(period_ends, calendar=None):
    """Seed 001 Art 17: the trade notice within 5 working days from the day after the announcement period ends."""
    return (calendar or WorkdayCalendar.load()).add_working_days(period_ends, NOTICE_WORKING_DAYS).date


def recompute_notice_dues(*, actor=None, city_id=None, day=None) -> int:
    """After the city enters or corrects a year's calendar: the notice due day of every trade still waiting for its
    notice, counted again (each change audited). Returns how many moved."""
    calendars, moved = Calendars(), 0
    waiting = Trade.objects.filter(status=TradeStatus.ANNOUNCED, notice_due__isnull=False,
                                   hold_transaction__isnull=False).select_related("hold_transaction")
    for trade in waiting.select_for_update(of=("self",)):
        announced = timezone.localdate(trade.hold_transaction.created_at)
        due = notice_due(trade.announcement_ends or announced, calendars.of(trade.region_id))
        if due != trade.notice_due:
            before, trade.notice_due = trade.notice_due, due
            trade.save(update_fields=["notice_due"])
            record(actor=actor, action="trade.recompute", obj=trade, before={"notice_due": before.isoformat()},
                   after={"notice_due": due.isoformat()})
            moved += 1
    return moved


def notice_position(trade, today=None) -> dict | None:
    """Seed 001 Art 17 on the trade's page: the announcement period, the notice's due day, when it was issued and
    whether late (issued after the due day, or not yet issued and the day has passed)."""
    if trade.notice_due is None:
        return None
    today = today or timezone.localdate()
    issued = timezone.localdate(trade.notice_issued_at) if trade.notice_issued_at else None
    late = (issued or today) > trade.notice_due and (issued is not None or trade.status == TradeStatus.ANNOUNCED)
    return {"ends": trade.announcement_ends, "due": trade.notice_due, "issued": issued, "late": late}


def check_announce(actor, trade, values) -> None:
    if trade.seller_id and not qualified(trade, PartyRole.SELLER).exists():
        raise ValidationError(_("The seller's qualification must be approved before the announcement."))
    fees.check_paid_in_full(trade.seller, trade.pollutant)  # seed 001 Art 21
    ends = values.get("announcement_ends")
    if ends is not None and ends <= timezone.localdate():
        raise ValidationError({"announcement_ends": _("The announcement period must end after today.")})


def announce(ctx) -> None:
    """Publish the offer and hold its quantity, so it cannot be sold twice; the trade notice is due within 5 working
    days from the day after the announcement period ends (seed 001 Art 17; without a period, from today)."""
    trade = ctx.record
    trade.announcement_ends = ctx.values.get("announcement_ends")
    trade.notice_due = notice_due(trade.announcement_ends or timezone.localdate(),
                                  WorkdayCalendar.load(city=trade.region_id))
    # an enterprise's offer in ESCROW; the reserve's in its city's HOLD
    held = ledger.account(AccountKind.ESCROW) if trade.seller_id else ledger.held(trade.region_id)
    legs = [ledger.Leg(tl.lot, tl.account, held, tl.quantity) for tl in trade.lots.select_related("lot", "account")]
    trade.hold_transaction = ledger.post(actor=ctx.actor, kind=TransactionKind.HOLD, legs=legs, subject=trade,
                                         memo=_("Held for trade %(number)s") % {"number": trade.number})
    trade.save(update_fields=["hold_transaction", "announcement_ends", "notice_due"])


# --- method -------------------------------------------------------------------------------------------------------

def suggestion(trade) -> rules.MethodSuggestion:
    buyers = qualified(trade)
    wanted = buyers.aggregate(w=Sum("wanted_quantity"))["w"] or Decimal("0")
    # seed 001 Art 18: the green channel when the reserve is scarce (it cannot serve all it is asked for) and a
    # qualified buyer's project is a major one
    green = trade.seller_id is None and wanted > trade.quantity and buyers.filter(major_project=True).exists()
    return rules.suggest_method(seller_is_reserve=trade.seller_id is None, qualified_buyers=buyers.count(),
                                wanted=wanted, offered=trade.quantity, green_channel=green)


SELLER_PAYMENT_WORKING_DAYS = 5  # seed 001 Art 20(2)


def seller_payment(deal, *, calendar=None, today=None) -> dict | None:
    """Seed 001 Art 20(2): the settlement party pays the seller within 5 working days of receiving the buyer's price
    and fees: the due day, whether it was (or is now) late; None before the buyer has paid."""
    if deal.buyer_paid_at is None:
        return None
    calendar = calendar or WorkdayCalendar.load(city=deal.trade.region_id if deal.trade_id else None)
    today = today or timezone.localdate()
    due = calendar.add_working_days(timezone.localdate(deal.buyer_paid_at), SELLER_PAYMENT_WORKING_DAYS).date
    paid = timezone.localdate(deal.seller_paid_at) if deal.seller_paid_at else None
    return {"due": due, "late": (paid or today) > due, "paid": paid}


def historical_bidding_prices(pollutant) -> list[Decimal]:
    return list(Deal.objects.filter(trade__pollutant=pollutant, trade__method=TradeMethod.BIDDING,
                                    trade__status__in=[TradeStatus.CONFIRMED, TradeStatus.PUBLISHED])
                .values_list("unit_price", flat=True))


def method_plan(trade, values) -> dict:
    """The fields the chosen method sets: the method the rules suggest (Art 17), or another with the reason;
    bidding with its window and prices; a fixed sale at the highest historical bidding price. Refused with the
    field and why."""
    today = timezone.localdate()
    if trade.announcement_ends and today <= trade.announcement_ends:
        raise ValidationError(_("The announcement period runs until %(date)s: the trade notice (method and trading "
                                "date) is issued after it ends (seed 001 Art 17).") % {
            "date": f"{trade.announcement_ends:%Y-%m-%d}"})
    suggested = suggestion(trade)
    method = values.get("method") or suggested.method
    reason = values.get("reason", "")
    if method != suggested.method and not reason:
        raise ValidationError({"reason": _("The rules suggest %(m)s: give the reason for choosing otherwise.") % {
            "m": TradeMethod(suggested.method).label}})
    if not qualified(trade).exists():
        raise ValidationError(_("No buyer has qualified yet."))
    if method == TradeMethod.BIDDING and any(is_reserve(p.organisation) for p in qualified(trade)):
        raise ValidationError({"method": _("The reserve buys back by a negotiated or fixed-quota sale, not by "
                                           "bidding (it cannot bid): choose another method with the reason.")})
    trading_date = values.get("trading_date") or today
    if trading_date < today:
        raise ValidationError({"trading_date": _("The trading date cannot be before today.")})
    plan = {"method": method, "suggested_method": suggested.method, "trading_date": trading_date,
            "notice_issued_at": timezone.now(),
            "method_reason": suggested.reason if method == suggested.method else reason}
    if method == TradeMethod.BIDDING:
        errors = {name: message for name, message in (
            ("starting_price", _("Give the starting price.")), ("increment", _("Give the minimum increment.")))
            if values.get(name) is None}
        opens, closes = values.get("bidding_opens"), values.get("bidding_closes")
        if not opens or not closes or closes <= opens:
            errors["bidding_closes"] = _("The bidding window must close after it opens.")
        if errors:
            raise ValidationError(errors)
        plan.update(starting_price=values["starting_price"], increment=values["increment"], bidding_opens=opens,
                    bidding_closes=closes, trading_date=timezone.localdate(opens))
        # the timed e-bidding's parameters: the rule varies between platforms, so the city sets them
        extension, most = values.get("extension_minutes"), values.get("max_bids")
        if extension is not None and extension > 60:
            errors["extension_minutes"] = _("At most 60 minutes.")
        if most is not None and not 1 <= most <= 100:
            errors["max_bids"] = _("Between 1 and 100 bids.")
        if values.get("deposit_amount") is not None and values["deposit_amount"] <= 0:
            errors["deposit_amount"] = _("The deposit must be more than zero (leave it empty for none).")
        if errors:
            raise ValidationError(errors)
        plan.update(deposit_amount=values.get("deposit_amount"), max_bids=most,
                    extension_minutes=5 if extension is None else extension)
    if method == TradeMethod.FIXED:
        try:
            plan["starting_price"] = rules.fixed_price(historical_bidding_prices(trade.pollutant))
        except ValueError as exc:
            raise ValidationError({"method": str(exc)}) from exc
    return plan


def check_method(actor, trade, values) -> None:
    method_plan(trade, values)


def set_method(ctx) -> None:
    for name, value in method_plan(ctx.record, ctx.values).items():
        setattr(ctx.record, name, value)
    ctx.record.save()
    trade = ctx.record
    if trade.method == TradeMethod.BIDDING and trade.deposit_amount:
        Deposit.objects.bulk_create([Deposit(trade=trade, party=p, amount=trade.deposit_amount)
                                     for p in qualified(trade)])


# --- bid ----------------------------------------------------------------------------------------------------------

def bidder(actor, trade):
    """The actor's qualified buyer party in the trade, or None; with `deposit_confirmed` and `blocked_by` (the id of
    the entry of the city's list that stops its enterprise trading today, if any: the credit gate, read in the same
    query). Asked three times by a bid (who may, the check, the effect) on the one locked record: looked up once per
    record and actor."""
    known = trade.__dict__.setdefault("_bidders", {})
    if actor.pk not in known:
        day = timezone.localdate()
        known[actor.pk] = (_BIDDERS.first(day, lambda trade, organisation: _bidder_query(day, trade, organisation),
                                          trade=trade.pk, organisation=actor.organisation_id)
                           if actor.organisation_id else None)
    return known[actor.pk]


_BIDDERS = Compiled(size=4)  # by day: every bid in the last minute asks it (quota_registry/compiled.py)


def _bidder_query(day, trade: int, organisation: int):
    gates = restrictions_in_force(kinds=TRADING_GATES, day=day).filter(organisation=OuterRef("organisation_id"))
    return (TradeParty.objects.filter(trade_id=trade, organisation_id=organisation, role=PartyRole.BUYER,
                                      status=PartyStatus.QUALIFIED).order_by("pk")
            .annotate(deposit_confirmed=Exists(Deposit.objects.filter(party=OuterRef("pk"),
                                                                      status=DepositStatus.CONFIRMED)),
                      blocked_by=Subquery(gates.values("pk")[:1])))


def check_qualify(actor, party, values) -> None:
    """A party on the city's list for a reason that stops trading does not qualify (the bureau refuses it); not the
    seller of a pledge's enforcement sale (the bank sells through it, seed 001 Art 12(7))."""
    if party.role == PartyRole.SELLER and party.trade.pledges.exists():
        return
    check_may_trade(party.organisation, timezone.localdate())


def party_qualified(ctx) -> None:
    """A buyer qualified once the bidding is set owes its deposit too (it may bid once it is received)."""
    party, trade = ctx.record, ctx.record.trade
    if (party.role == PartyRole.BUYER and trade.method == TradeMethod.BIDDING and trade.deposit_amount
            and not Deposit.objects.filter(party=party).exists()):
        Deposit.objects.create(trade=trade, party=party, amount=trade.deposit_amount)


def check_bid(actor, trade, values, now=None) -> None:
    now = now or timezone.now()
    party = bidder(actor, trade)
    if party.blocked_by:  # the credit gate (check_may_trade), read with the party
        raise trading_refusal(Restriction.objects.get(pk=party.blocked_by))
    if trade.deposit_amount and not party.deposit_confirmed:
        raise ValidationError(_("Your registration deposit of %(amount)s has not been confirmed as received: you may "
                                "bid once it is.") % {"amount": money.show(trade.deposit_amount, "元")})
    if trade.max_bids and trade.bids.filter(party=party).count() >= trade.max_bids:
        raise ValidationError(_("Each bidder may place at most %(n)s bids.") % {"n": trade.max_bids})
    _check_window(trade, now)
    q = values["quantity"]
    if q <= 0 or q > trade.quantity:
        raise ValidationError({"quantity": _("Bid for more than zero and at most the %(q)s offered.") % {
            "q": trade.quantity}})
    problem = rules.bid_problem(values["unit_price"], starting_price=trade.starting_price, increment=trade.increment)
    if problem:
        raise ValidationError({"unit_price": problem})


def _check_window(trade, at) -> None:
    if not (trade.bidding_opens <= at < trade.bidding_closes):
        raise ValidationError(_("Bids are accepted from %(o)s to %(c)s.") % {
            "o": f"{timezone.localtime(trade.bidding_opens):%Y-%m-%d %H:%M}",
            "c": f"{timezone.localtime(trade.bidding_closes):%Y-%m-%d %H:%M:%S}"})


def bid(ctx) -> Bid:
    """The bid; one in the last minutes moves the close (no sniping). Run under the trade's lock, taken late (the
    step's `lock_late`): the window is checked again there against the close as earlier bids have moved it, with the
    bid's own time, and the bidder's count of bids."""
    trade, placed_at = ctx.record, ctx.decision.created_at
    party = bidder(ctx.actor, trade)
    _check_window(trade, placed_at)
    if trade.max_bids and trade.bids.filter(party=party).count() >= trade.max_bids:
        raise ValidationError(_("Each bidder may place at most %(n)s bids.") % {"n": trade.max_bids})
    placed = Bid.objects.create(trade=trade, party=party, quantity=ctx.values["quantity"],
                                unit_price=ctx.values["unit_price"], placed_at=placed_at)
    closes = rules.extended_close(trade.bidding_closes, placed.placed_at, trade.extension_minutes)
    if closes != trade.bidding_closes:
        trade.bidding_closes = closes
        trade.save(update_fields=["bidding_closes"])
    return placed


def deposit_received(ctx) -> None:
    deposit = ctx.record
    deposit.receipt, deposit.confirmed_at = ctx.values["receipt"], timezone.now()
    deposit.save(update_fields=["receipt", "confirmed_at"])


def standing(trade) -> list[Bid]:
    """Each bidder's best bid, ranked (price, then time)."""
    bids = list(trade.bids.select_related("party__organisation"))
    by_id = {b.pk: b for b in bids}
    ranked = rules.best_bids([rules.BidIn(b.pk, b.unit_price, b.placed_at, b.quantity) for b in bids],
                             {b.pk: b.party_id for b in bids})
    return [by_id[b.id] for b in ranked]


def live(trade, user, now=None) -> dict:
    """What the bidding page shows and refreshes: the highest price, the close (extended or not), how many bids and
    bidders, and the caller's own rank and best bid; never another bidder's name."""
    now = now or timezone.now()
    ranked = standing(trade)
    mine = next(((i + 1, b) for i, b in enumerate(ranked)
                 if b.party.organisation_id == getattr(user, "organisation_id", None)), None)
    open_now = trade.status == TradeStatus.TRADING and trade.bidding_opens and trade.bidding_opens <= now < \
        trade.bidding_closes
    return {"status": trade.status, "open": bool(open_now), "closes_at": trade.bidding_closes.isoformat()
            if trade.bidding_closes else None,
            "highest": str(ranked[0].unit_price) if ranked else None, "bids": trade.bids.count(),
            "bidders": len(ranked), "starting_price": str(trade.starting_price) if trade.starting_price else None,
            "increment": str(trade.increment) if trade.increment else None,
            "mine": {"rank": mine[0], "price": str(mine[1].unit_price), "quantity": str(mine[1].quantity)}
            if mine else None}


# --- close (the deals) --------------------------------------------------------------------------------------------

def buyer_choices(trade, actor=None) -> list[tuple[int, str]]:
    return [(p.organisation_id, p.organisation.name) for p in qualified(trade).select_related("organisation")]


def deals_for(trade, values, now=None) -> list[Deal]:
    """The deals to strike: bidding by ranking once the window has closed; negotiated at the agreed price; fixed at
    the highest historical bidding price. Refused with the field and why."""
    now = now or timezone.now()
    reference = prices.in_force(trade.pollutant_id, timezone.localdate(), jurisdiction.city_id_of(trade.region_id))
    if trade.method == TradeMethod.BIDDING:
        if now < trade.bidding_closes:
            raise ValidationError(_("The bidding window is still open."))
        bids = standing(trade)  # each bidder's best bid
        allocation = rules.allocate_bids([rules.BidIn(b.pk, b.unit_price, b.placed_at, b.quantity) for b in bids],
                                         trade.quantity)
        by_id = {b.pk: b for b in bids}
        deals = [Deal(trade=trade, buyer=by_id[i].party.organisation, quantity=q, unit_price=by_id[i].unit_price,
                      amount=money.line_amount(q, by_id[i].unit_price), reference_price=reference)
                 for i, q in allocation]
        if not deals:
            raise ValidationError(_("No acceptable bid: cancel the trade or announce it again."))
        return deals
    party = qualified(trade).filter(organisation_id=values.get("buyer")).select_related("organisation").first()
    if party is None:
        raise ValidationError({"buyer": _("Choose a qualified buyer.")})
    q = values.get("quantity") or party.wanted_quantity
    if q <= 0 or q > trade.quantity:
        raise ValidationError({"quantity": _("At most the %(q)s offered.") % {"q": trade.quantity}})
    if trade.method == TradeMethod.FIXED:
        price = trade.starting_price
    elif values.get("unit_price") is None:
        raise ValidationError({"unit_price": _("Give the price the parties agreed.")})
    else:
        price = values["unit_price"]
    return [Deal(trade=trade, buyer=party.organisation, quantity=q, unit_price=price, amount=money.line_amount(q, price),
                 reference_price=reference)]


def check_close(actor, trade, values) -> None:
    deals_for(trade, values)


def close(ctx) -> None:
    """The deals; the winners' deposits count toward their price, the others' are released (the deposit kind's
    steps, taken by the system)."""
    deals = Deal.objects.bulk_create(deals_for(ctx.record, ctx.values))
    winners = {d.buyer_id for d in deals}
    settle_deposits(ctx.record, winners=winners)


def settle_deposits(trade, *, winners=frozenset(), cancelled=False) -> None:
    """At the close: the winners' received deposits count toward the price, the others are released. On a
    cancellation every deposit is released, a winner's counted one included."""
    from quota_registry.review import engine

    open_states = [DepositStatus.DUE, DepositStatus.CONFIRMED] + ([DepositStatus.APPLIED] if cancelled else [])
    for deposit in Deposit.objects.filter(trade=trade, status__in=open_states):
        won = deposit.status == DepositStatus.CONFIRMED and deposit.party.organisation_id in winners
        engine.perform(actor=None, model=Deposit, pk=deposit.pk, action="apply" if won else "release")


# --- contract -----------------------------------------------------------------------------------------------------

def contract(ctx) -> None:
    ctx.record.contract_number = ctx.values["contract_number"]
    ctx.record.save(update_fields=["contract_number"])


# --- settle -------------------------------------------------------------------------------------------------------

def deal_choices(trade, actor=None) -> list[tuple[int, str]]:
    return [(d.pk, f"{d.buyer.name} {d.quantity} × {d.unit_price}") for d in trade.deals.select_related("buyer")]


def settlement_problems(deal, trade, *, buyer_paid_at, seller_paid_at, buyer_fee, seller_fee) -> dict:
    """What is wrong with a settlement record (seed 001 Art 20): the buyer pays after the trade was applied for and
    not in the future; the seller is paid after the buyer's payment arrived; a fee is not more than the deal's
    amount."""
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
    for name, fee, label in (("buyer_fee", buyer_fee, _("Buyer's service fee")),
                             ("seller_fee", seller_fee, _("Seller's service fee"))):
        if fee is not None and fee > deal.amount:
            errors[name] = _("%(field)s cannot be more than the deal's amount (%(amount)s 元).") % {
                "field": label, "amount": deal.amount}
    return errors


SETTLEMENT = ("buyer_paid_at", "seller_paid_at", "buyer_fee", "seller_fee")


def _deal(trade, values, lock=False) -> Deal:
    deals = trade.deals.select_for_update() if lock else trade.deals
    return deals.get(pk=values["deal"])


def check_settle(actor, trade, values) -> None:
    if all(values.get(name) is None for name in SETTLEMENT):
        raise ValidationError(_("Record the buyer's payment, the payment to the seller or a service fee."))
    errors = settlement_problems(_deal(trade, values), trade, **{name: values.get(name) for name in SETTLEMENT})
    if errors:
        raise ValidationError(errors)


def settled_after(trade, values) -> str:
    """The target of a settlement record: settled once every deal is paid and paid out, else still contracted."""
    for deal in trade.deals.all():
        if deal.pk == values["deal"]:
            deal.buyer_paid_at = values.get("buyer_paid_at") or deal.buyer_paid_at
            deal.seller_paid_at = values.get("seller_paid_at") or deal.seller_paid_at
        if not deal.settled:
            return TradeStatus.CONTRACTED
    return TradeStatus.SETTLED


def settle(ctx) -> Deal:
    """The third party's settlement: the buyer's payment, the service fees, the payment to the seller (the deal is
    locked after the trade: ledger/locks.py)."""
    deal = _deal(ctx.record, ctx.values, lock=True)
    for name in SETTLEMENT:
        if ctx.values.get(name) is not None:
            setattr(deal, name, ctx.values[name])
    deal.save()
    return deal


# --- confirm ------------------------------------------------------------------------------------------------------

def check_confirm(actor, trade, values) -> None:
    """Seed 001 Art 21: the quota moves only once the seller has paid its paid-use fees in full."""
    fees.check_paid_in_full(trade.seller, trade.pollutant)


def confirm(ctx) -> None:
    """Only a settled trade is confirmed: the sold quantity moves from the hold to the buyers, the rest goes back to
    the seller, and the transferors get their permit-change obligations (Art 17)."""
    trade, actor = ctx.record, ctx.actor
    hold = trade.hold_transaction.movements.first().to_account  # where the announcement put the offer
    remaining = [[tl.lot, tl.account, tl.quantity] for tl in trade.lots.select_related("lot__enterprise", "account")]
    legs, sold_by_lot = [], {}
    for deal in trade.deals.select_related("buyer"):
        need = deal.quantity
        # a buy-back (seed 001 Art 5) enters the reserve; every other buyer gets it in its general account
        buyer_account = (ledger.pool(deal.buyer.region_id) if is_reserve(deal.buyer)
                         else ledger.account(AccountKind.ENTERPRISE, deal.buyer))
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
    today = timezone.localdate()
    # Art 17 (seed 001 guide Art 6): the permit to change is the transferor's. A sale from the reserve transfers the
    # reductions of the lots' enterprises; an enterprise's sale (a resale of quota it bought included) is its own.
    by_origin = {}
    for lot, q in sold_by_lot.items():
        by_origin.setdefault(trade.seller or lot.enterprise, []).append((lot, q))
    buyers = "、".join(d.buyer.name for d in trade.deals.all())
    calendars = Calendars()
    for enterprise, rows in by_origin.items():
        obligation_create(
            enterprise=enterprise, region=enterprise.region, origin=trade, calendar=calendars.of(enterprise.region_id),
            transferred=[{"pollutant": lot.pollutant.code, "unit": lot.pollutant.unit, "lot": lot.number,
                          "quantity": str(q)} for lot, q in rows],
            destination=f"{buyers}（{trade.number}）",
            measure_completed_on=max(lot.completed_on or lot.verified_on for lot, _q in rows), approved_on=today,
            working_days=jurisdiction.rule_set(trade.rule_set).permit_change_working_days)


# --- cancel -------------------------------------------------------------------------------------------------------

def cancel(ctx) -> None:
    """The hold (if announced) goes back to the seller; the reason is kept on the trade."""
    trade = ctx.record
    if trade.hold_transaction_id:
        ledger.release(actor=ctx.actor, hold_transaction=trade.hold_transaction, memo=ctx.values["reason"])
    trade.cancel_reason = ctx.values["reason"]
    trade.save(update_fields=["cancel_reason"])
    settle_deposits(trade, cancelled=True)  # every deposit released


def trade_timestamps(trade, ctx, now) -> list[str]:
    if ctx.to_status == TradeStatus.CONFIRMED:
        trade.confirmed_at = now
        return ["confirmed_at"]
    if ctx.to_status == TradeStatus.PUBLISHED:
        trade.published_at = now
        return ["published_at"]
    return []
