"""Trading's records on the workflow engine (quota_registry/review/engine.py): trades (seed 001 Arts 11-22), the
qualification of each party to a trade (Arts 13, 15) and the permit-change obligations of Art 17. Each kind is its
states and its table of steps; what a step checks and does is in trades.py and services.py."""
from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quota_registry import inputs
from quota_registry.orgs.models import Role, User
from quota_registry.review import engine
from quota_registry.review.engine import CITY_APPROVER, CITY_STAFF, SYSTEM, Field, Kind, Refusal, Step, Who
from quota_registry.review.models import Decision, Stage

from . import documents, fees, pledges, selectors, services, trades
from .models import (
    Deposit,
    DepositStatus,
    FeeStatus,
    ObligationStatus,
    PaidUseFee,
    PartyStatus,
    PermitChangeObligation,
    Pledge,
    PledgeStatus,
    Trade,
    TradeMethod,
    TradeParty,
    TradeStatus,
)


def _county_or_city(actor) -> str:
    return Stage.COUNTY if actor.role == Role.COUNTY_REVIEWER else Stage.CITY


# --- trades -------------------------------------------------------------------------------------------------------

ENTERPRISE = engine.role(Role.ENTERPRISE_USER, text=gettext_lazy("an enterprise"))
QUALIFIED_BUYER = Who(lambda actor, trade: trades.bidder(actor, trade) is not None,
                      gettext_lazy("a qualified buyer"), frozenset({Role.ENTERPRISE_USER}), per_record=True)


def _may_apply(actor, trade) -> Refusal | None:
    if trade.seller_id == actor.organisation_id:
        return Refusal(403, _("An enterprise cannot buy its own offer."))
    if trade.parties.filter(organisation_id=actor.organisation_id).exists():
        return Refusal(409, _("your enterprise has already applied for this trade"))
    return None


def _bidding(actor, trade) -> Refusal | None:
    if trade.method != TradeMethod.BIDDING:
        return Refusal(409, _("only a public bidding takes bids"))
    return None


def _trade_recipients(ctx) -> list:
    """The seller's and every party's users (a decision on the trade concerns them all)."""
    trade = ctx.record
    organisations = set(trade.parties.values_list("organisation_id", flat=True)) | (
        {trade.seller_id} if trade.seller_id else set())
    return list(User.objects.filter(is_active=True, role=Role.ENTERPRISE_USER, organisation_id__in=organisations))


# Decisions anyone who sees the trade may read; the rest (applications to buy, bids, settlements) only the bureaus
# and the party that took them (a bid is not shown to the other bidders).
PUBLIC_DECISIONS = {Decision.ANNOUNCE, Decision.SET_METHOD, Decision.CLOSE, Decision.CONTRACT, Decision.CONFIRM,
                    Decision.PUBLISH, Decision.CANCEL}


def trade_history_shown(user, events):
    """A trade's history (portal.history events) as a party sees it: the steps whose decisions are public, and what
    its own enterprise did; never another party's application, bid or settlement. Striking the deal is left out:
    its entry carries the buyer and the price, public only once the result is published (Art 22)."""
    if getattr(user, "is_city_staff", False) or getattr(user, "is_county_reviewer", False):
        return events
    public = {"trade.apply"} | {f"trade.{s.action}" for s in TRADE.steps
                                if s.decision in PUBLIC_DECISIONS and s.decision != Decision.CLOSE}
    own = getattr(user, "organisation_id", None)
    return [e for e in events if e.action in public or (own is not None and e.organisation_id == own)]


def _trade_decisions_shown(user, decisions):
    if getattr(user, "is_city_staff", False) or getattr(user, "is_county_reviewer", False):
        return decisions
    return decisions.filter(Q(action__in=PUBLIC_DECISIONS) | Q(actor__organisation_id=getattr(user, "organisation_id",
                                                                                                None)))


def _not_bidding(trade) -> bool:
    return trade.method != TradeMethod.BIDDING


OPEN_TRADE = (TradeStatus.APPLIED, TradeStatus.ANNOUNCED, TradeStatus.TRADING, TradeStatus.TRADED,
              TradeStatus.CONTRACTED, TradeStatus.SETTLED)

TRADE = engine.register(Kind(
    name="trade", model=Trade, states=TradeStatus, initial=TradeStatus.APPLIED,
    number=lambda t: t.number, title=lambda t: _("Trade %(number)s") % {"number": t.number},
    link=lambda t: reverse("trading:trade-detail", args=[t.pk]), organisation=lambda t: t.seller,
    region=lambda t: t.region, recipients=_trade_recipients, queryset=selectors.trades, related=("region",),
    on_status=trades.trade_timestamps, decisions_shown=_trade_decisions_shown, documents=documents.documents_for,
    description=gettext_lazy("Trade (交易, seed 001 Arts 11-22)"), title_plural=gettext_lazy("Trades"),
    list_url=lambda user: reverse("trading:trades"),
    steps=[
        Step("announce", (TradeStatus.APPLIED,), TradeStatus.ANNOUNCED, CITY_STAFF, Decision.ANNOUNCE, Stage.CITY,
             gettext_lazy("Announce"), opinion="none", check=trades.check_announce, effect=trades.announce,
             style="primary", confirm=gettext_lazy("Announce the trade? Its quantity is held from now on."),
             fields=(Field("announcement_ends", gettext_lazy("Announcement period ends on"), "date", required=False,
                           initial=trades.proposed_announcement_end,
                           help=gettext_lazy("Buyers apply during the period; the trade notice is issued within 5 "
                                             "working days after it ends (seed 001 Art 17).")),),
             notes=gettext_lazy("the offered quantity is held in the ledger; an enterprise seller must have qualified and "
                                "paid its paid-use fees in full (Art 21)")),
        Step("interest", (TradeStatus.ANNOUNCED,), None, ENTERPRISE, Decision.INTEREST, Stage.PARTY,
             gettext_lazy("Apply to buy"), opinion="none", guard=_may_apply, check=trades.check_interest,
             effect=trades.interest, notify=lambda ctx: (), style="primary", awaited=False,
             fields=(Field("wanted_quantity", gettext_lazy("Quantity wanted"), "quantity"),
                     Field("major_project", gettext_lazy("For a major project of an encouraged or fostered industry "
                                                         "(green channel, seed 001 Art 18)"), "boolean", required=False)),
             notes=gettext_lazy("the buyer's bureau qualifies it within 5 working days")),
        Step("buy_back", (TradeStatus.ANNOUNCED,), None, CITY_APPROVER, Decision.BUY_BACK, Stage.CITY,
             gettext_lazy("Buy back into the reserve"), opinion="required", check=trades.check_buy_back,
             effect=trades.buy_back, awaited=False, notify=_trade_recipients,
             fields=(Field("wanted_quantity", gettext_lazy("Quantity to buy back"), "quantity"),),
             confirm=gettext_lazy("Buy this offer back into the reserve? The reserve becomes a qualified buyer; the "
                                  "price is agreed or set by the method."),
             notes=gettext_lazy("seed 001 Art 5 (收储): the reserve buys an enterprise's offer, as a qualified buyer; "
                                "on confirmation the quota enters the pool")),
        Step("method", (TradeStatus.ANNOUNCED,), TradeStatus.TRADING, CITY_STAFF, Decision.SET_METHOD, Stage.CITY,
             gettext_lazy("Issue the trade notice"), opinion="none", check=trades.check_method, effect=trades.set_method,
             style="primary",
             fields=(Field("method", gettext_lazy("Method"), "choice", required=False, choices=TradeMethod.choices,
                           help=gettext_lazy("Leave empty for the method the rules suggest.")),
                     Field("reason", gettext_lazy("Reason for another method"), "text", required=False,
                           limit=inputs.REASON),
                     Field("trading_date", gettext_lazy("Trading date"), "date", required=False,
                           help=gettext_lazy("Negotiated or fixed sale: the day the parties trade (default today); "
                                             "bidding: the day bidding opens.")),
                     Field("starting_price", gettext_lazy("starting price"), "price", required=False),
                     Field("increment", gettext_lazy("minimum increment"), "price", required=False),
                     Field("bidding_opens", gettext_lazy("bidding opens"), "datetime", required=False),
                     Field("bidding_closes", gettext_lazy("bidding closes"), "datetime", required=False),
                     Field("deposit_amount", gettext_lazy("Registration deposit (bidding)"), "price", required=False,
                           help=gettext_lazy("Each qualified buyer pays it before it may bid; empty: none.")),
                     Field("extension_minutes", gettext_lazy("Extension in minutes (bidding)"), "integer",
                           required=False, help=gettext_lazy("A bid in the last minutes moves the close by as many "
                                                             "minutes (default 5).")),
                     Field("max_bids", gettext_lazy("Most bids a bidder may place (bidding)"), "integer",
                           required=False)),
             notes=gettext_lazy("the trade notice (交易通知书, Art 17): the method the rules suggest, or another with "
                                "the reason, and the trading date; after the announcement period, within 5 working "
                                "days")),
        Step("bid", (TradeStatus.TRADING,), None, QUALIFIED_BUYER, Decision.BID, Stage.PARTY,
             gettext_lazy("Place the bid"), opinion="none", guard=_bidding, check=trades.check_bid, effect=trades.bid,
             notify=lambda ctx: (), documents=False, style="primary", lock_late=True,
             fields=(Field("quantity", gettext_lazy("Quantity"), "quantity"),
                     Field("unit_price", gettext_lazy("Unit price"), "price")),
             notes=gettext_lazy("within the bidding window, at the starting price plus whole increments")),
        Step("close", (TradeStatus.TRADING,), TradeStatus.TRADED, CITY_STAFF, Decision.CLOSE, Stage.CITY,
             gettext_lazy("Strike the deal"), opinion="none", check=trades.check_close, effect=trades.close,
             style="primary", confirm=gettext_lazy("Strike the deal(s) now?"),
             fields=(Field("buyer", gettext_lazy("Buyer"), "choice", required=False, choices=trades.buyer_choices,
                           shown=_not_bidding),
                     Field("quantity", gettext_lazy("Quantity"), "quantity", required=False, shown=_not_bidding),
                     Field("unit_price", gettext_lazy("Agreed unit price"), "price", required=False,
                           shown=lambda t: t.method == TradeMethod.NEGOTIATED)),
             notes=gettext_lazy("bidding: by price, then time, once the window has closed; otherwise the buyer and "
                                "the agreed (negotiated) or fixed price")),
        Step("contract", (TradeStatus.TRADED,), TradeStatus.CONTRACTED, CITY_STAFF, Decision.CONTRACT, Stage.CITY,
             gettext_lazy("Contract signed"), opinion="none", effect=trades.contract, style="primary",
             fields=(Field("contract_number", gettext_lazy("Contract number"), "text",
                           limit=Trade._meta.get_field("contract_number").max_length),)),
        Step("settle", (TradeStatus.CONTRACTED,), trades.settled_after, CITY_STAFF, Decision.SETTLE, Stage.CITY,
             gettext_lazy("Record the settlement"), opinion="none", check=trades.check_settle, effect=trades.settle,
             targets=(TradeStatus.CONTRACTED, TradeStatus.SETTLED),
             fields=(Field("deal", gettext_lazy("Deal"), "choice", choices=trades.deal_choices),
                     Field("buyer_paid_at", gettext_lazy("Buyer's payment received at"), "datetime", required=False,
                           past=True),
                     Field("buyer_fee", gettext_lazy("Buyer's service fee"), "amount", required=False),
                     Field("seller_paid_at", gettext_lazy("Paid to the seller at"), "datetime", required=False,
                           past=True),
                     Field("seller_fee", gettext_lazy("Seller's service fee"), "amount", required=False)),
             notes=gettext_lazy("through the third party (Art 20); settled once every deal is paid and paid out")),
        Step("confirm", (TradeStatus.SETTLED,), TradeStatus.CONFIRMED, CITY_APPROVER, Decision.CONFIRM, Stage.CITY,
             gettext_lazy("Confirm the trade"), opinion="none", check=trades.check_confirm, effect=trades.confirm,
             style="primary",
             confirm=gettext_lazy("Confirm the trade? The quota moves to the buyers."),
             notes=gettext_lazy("the quota moves to the buyers; the transferors' permit-change obligations (Art 17)")),
        Step("publish", (TradeStatus.CONFIRMED,), TradeStatus.PUBLISHED, CITY_STAFF, Decision.PUBLISH, Stage.CITY,
             gettext_lazy("Publish"), opinion="none", style="primary",
             confirm=gettext_lazy("Publish the result? Anyone can then see the deals (Art 22)."),
             notes=gettext_lazy("the deals become public (Art 22)")),
        Step("cancel", OPEN_TRADE, TradeStatus.CANCELLED, CITY_STAFF, Decision.CANCEL, Stage.CITY,
             gettext_lazy("Cancel the trade"), opinion="none", effect=trades.cancel, style="danger", awaited=False,
             fields=(Field("reason", gettext_lazy("Reason"), "text", limit=inputs.REASON),),
             confirm=gettext_lazy("Cancel the trade? What is held goes back to the seller.")),
    ]))


# --- the parties' qualification -----------------------------------------------------------------------------------

PARTY_BUREAU = engine.county_of(lambda party: party.organisation.region_id) | CITY_STAFF

PARTY = engine.register(Kind(
    name="party", model=TradeParty, states=PartyStatus, initial=PartyStatus.PENDING,
    number=lambda p: p.trade.number,
    title=lambda p: _("Trade %(number)s: qualification of %(org)s") % {"number": p.trade.number,
                                                                      "org": p.organisation.name},
    link=lambda p: reverse("trading:trade-detail", args=[p.trade_id]), organisation=lambda p: p.organisation,
    region=lambda p: p.organisation.region,
    recipients=lambda ctx: list(User.objects.filter(is_active=True, organisation_id=ctx.record.organisation_id)),
    description=gettext_lazy("Party to a trade (its qualification, seed 001 Arts 13, 15)"),
    title_plural=gettext_lazy("Qualifications of parties to trades"), list_url=lambda user: reverse("trading:trades"),
    steps=[
        Step("qualify", (PartyStatus.PENDING,), PartyStatus.QUALIFIED, PARTY_BUREAU, Decision.QUALIFY,
             _county_or_city, gettext_lazy("Qualifies"), group=("qualification", "qualify"),
             check=trades.check_qualify, effect=trades.party_qualified,
             notes=gettext_lazy("by the party's county bureau or the city, within 5 working days")),
        Step("refuse", (PartyStatus.PENDING,), PartyStatus.REFUSED, PARTY_BUREAU, Decision.REFUSE, _county_or_city,
             gettext_lazy("Does not qualify"), opinion="required", group=("qualification", "refuse"), style="danger"),
    ]))


# --- permit-change obligations (Art 17) ---------------------------------------------------------------------------

def _obligation_text(name: str) -> Field:
    model_field = PermitChangeObligation._meta.get_field(name)
    initial = {"permit_number": lambda o: o.enterprise.permit_number,
               "recorded_transfer": services.transfer_summary}.get(name)
    return Field(name, model_field.verbose_name, "text", limit=model_field.max_length, initial=initial)


OBLIGATION = engine.register(Kind(
    name="obligation", model=PermitChangeObligation, states=ObligationStatus, initial=ObligationStatus.OPEN,
    number=lambda o: o.origin_label or f"#{o.pk}",
    title=lambda o: _("Permit change of %(enterprise)s") % {"enterprise": o.enterprise.name},
    link=lambda o: reverse("trading:obligation-detail", args=[o.pk]), organisation=lambda o: o.enterprise,
    region=lambda o: o.region,
    description=gettext_lazy("Permit-change obligation (排污许可证变更, Art 17)"),
    title_plural=gettext_lazy("Permit changes"), list_url=lambda user: reverse("trading:obligations"),
    steps=[
        Step("file", (ObligationStatus.OPEN, ObligationStatus.FILED), ObligationStatus.FILED,
             engine.enterprise_of(lambda o: o.enterprise_id), Decision.FILE, Stage.APPLICANT,
             gettext_lazy("Upload the permit-change application"), opinion="none", effect=services.file,
             awaited=(ObligationStatus.OPEN,),
             notify=services.filed_recipients, style="primary",
             fields=(Field("files", gettext_lazy("Permit-change application (or its receipt)"), "files"),
                     Field("note", gettext_lazy("Note"), "text", required=False, limit=inputs.NOTE))),
        Step("confirm", (ObligationStatus.OPEN, ObligationStatus.FILED), ObligationStatus.CONFIRMED,
             engine.county_of(lambda o: o.region_id) | CITY_STAFF, Decision.CONFIRM_PERMIT, _county_or_city,
             gettext_lazy("Record the changed permit"), effect=services.confirm, notify=services.confirmed_recipients,
             awaited=(ObligationStatus.FILED,),
             style="primary", confirm=gettext_lazy("Record the changed permit? The obligation is then fulfilled."),
             fields=tuple(_obligation_text(name) for name in services.CONFIRM_FIELDS)),
    ]))


# --- paid-use fees (seed 001 Art 21; Qujing Art 2) ------------------------------------------------------------------

FEE = engine.register(Kind(
    name="fee", model=PaidUseFee, states=FeeStatus, initial=FeeStatus.DUE,
    number=lambda f: f.number, title=lambda f: _("Paid-use fee %(number)s") % {"number": f.number},
    link=lambda f: reverse("trading:fee-detail", args=[f.pk]), organisation=lambda f: f.enterprise,
    region=lambda f: f.region,
    recipients=lambda ctx: list(User.objects.filter(is_active=True, role=Role.ENTERPRISE_USER,
                                                    organisation_id=ctx.record.enterprise_id)),
    description=gettext_lazy("Paid-use fee (排污权有偿使用费, seed 001 Art 21)"),
    title_plural=gettext_lazy("Paid-use fees"), list_url=lambda user: reverse("trading:fees"),
    steps=[
        Step("pay", (FeeStatus.DUE,), fees.paid_after, CITY_STAFF, Decision.PAY, Stage.CITY,
             gettext_lazy("Record a payment"), opinion="none", check=fees.check_payment, effect=fees.pay,
             targets=(FeeStatus.DUE, FeeStatus.PAID), style="primary", awaited=False,
             fields=(Field("amount", gettext_lazy("Amount paid"), "amount"),
                     Field("paid_on", gettext_lazy("Paid on"), "date", past=True),
                     Field("receipt", gettext_lazy("Receipt number"), "text", limit=40),
                     Field("files", gettext_lazy("Receipt (scan)"), "files", required=False)),
             notes=gettext_lazy("paid in full once the payments reach the amount due; only then may the enterprise "
                                "transfer quota of the factor (seed 001 Art 21)")),
        Step("waive", (FeeStatus.DUE,), FeeStatus.WAIVED, CITY_APPROVER, Decision.WAIVE, Stage.CITY,
             gettext_lazy("Waive the fee"), opinion="required", style="danger", awaited=False,
             effect=fees.waive, confirm=gettext_lazy("Waive what is still due of this fee? The reason is kept."),
             notes=gettext_lazy("by a decision of the bureau, with its reason")),
    ]))


# --- pledges (排污权抵押, seed 001 Arts 6, 12(7)) --------------------------------------------------------------------

PLEDGEE = Who(lambda actor, p: actor.organisation_id == p.bank_id, gettext_lazy("the pledgee bank"),
              frozenset({Role.BANK_USER}), per_record=True)


def _pledge_recipients(ctx) -> list:
    p = ctx.record
    return list(User.objects.filter(is_active=True, organisation_id__in=[p.enterprise_id, p.bank_id],
                                    role__in=[Role.ENTERPRISE_USER, Role.BANK_USER]))


PLEDGE = engine.register(Kind(
    name="pledge", model=Pledge, states=PledgeStatus, initial=PledgeStatus.APPLIED,
    number=lambda p: p.number, title=lambda p: _("Pledge %(number)s") % {"number": p.number},
    link=lambda p: reverse("trading:pledge-detail", args=[p.pk]), organisation=lambda p: p.enterprise,
    region=lambda p: p.region, recipients=_pledge_recipients,
    description=gettext_lazy("Pledge of quota to a bank (排污权抵押, seed 001 Arts 6, 12(7))"),
    title_plural=gettext_lazy("Pledges"), list_url=lambda user: reverse("trading:pledges"),
    steps=[
        Step("register", (PledgeStatus.APPLIED,), PledgeStatus.REGISTERED, CITY_STAFF, Decision.REGISTER, Stage.CITY,
             gettext_lazy("Register the pledge"), check=pledges.check_register, effect=pledges.register,
             style="primary", group=("registration", "register"),
             confirm=gettext_lazy("Register the pledge? The quantity is encumbered until it is released."),
             notes=gettext_lazy("the quantity moves to the ledger's pledged account: not withdrawable, returnable, "
                                "tradable or pledgeable again")),
        Step("refuse", (PledgeStatus.APPLIED,), PledgeStatus.REFUSED, CITY_STAFF, Decision.REFUSE_PLEDGE, Stage.CITY,
             gettext_lazy("Refuse to register"), opinion="required", style="danger", group=("registration", "refuse")),
        Step("release", (PledgeStatus.REGISTERED, PledgeStatus.DEFAULTED), PledgeStatus.RELEASED, PLEDGEE | CITY_STAFF,
             Decision.RELEASE_PLEDGE, Stage.PARTY, gettext_lazy("Record the repayment"), check=pledges.check_release,
             effect=pledges.release, style="primary", awaited=(PledgeStatus.REGISTERED,),
             awaited_by=frozenset({Role.BANK_USER}),  # the bank's to-do while the loan runs; the city may record it
             attachments=True, confirm=gettext_lazy("Release the pledge? The quantity goes back to the enterprise."),
             notes=gettext_lazy("the loan is repaid: the quantity goes back to the enterprise's account")),
        Step("default", (PledgeStatus.REGISTERED,), PledgeStatus.DEFAULTED, PLEDGEE, Decision.DEFAULT, Stage.PARTY,
             gettext_lazy("Declare the default"), opinion="required", attachments=True, effect=pledges.enforce,
             style="danger", awaited=False,
             confirm=gettext_lazy("Declare the default? The pledged quota is offered for sale through a trade."),
             notes=gettext_lazy("with the proof of the default: the pledged quantity is offered for sale, the "
                                "enterprise as the seller (seed 001 Art 12(7))")),
    ]))


# --- bidding deposits (保证金) ------------------------------------------------------------------------------------

DEPOSIT = engine.register(Kind(
    name="deposit", model=Deposit, states=DepositStatus, initial=DepositStatus.DUE,
    number=lambda d: d.trade.number,
    title=lambda d: _("Trade %(number)s: deposit of %(org)s") % {"number": d.trade.number,
                                                                 "org": d.party.organisation.name},
    link=lambda d: reverse("trading:trade-detail", args=[d.trade_id]), organisation=lambda d: d.party.organisation,
    region=lambda d: d.trade.region,
    recipients=lambda ctx: list(User.objects.filter(is_active=True, organisation_id=ctx.record.party.organisation_id)),
    description=gettext_lazy("Registration deposit of a bidder (保证金)"),
    title_plural=gettext_lazy("Bidding deposits"), list_url=lambda user: reverse("trading:trades"),
    steps=[
        Step("confirm", (DepositStatus.DUE,), DepositStatus.CONFIRMED, CITY_STAFF, Decision.CONFIRM_DEPOSIT, Stage.CITY,
             gettext_lazy("Confirm the deposit received"), opinion="none", effect=trades.deposit_received,
             style="primary", fields=(Field("receipt", gettext_lazy("Receipt"), "text", limit=60),),
             notes=gettext_lazy("the bidder may bid from then on")),
        Step("apply", (DepositStatus.CONFIRMED,), DepositStatus.APPLIED, SYSTEM, Decision.APPLY_DEPOSIT, Stage.SYSTEM,
             gettext_lazy("Count toward the price"), opinion="none", awaited=False,
             notes=gettext_lazy("at the close, for a winner")),
        Step("release", (DepositStatus.DUE, DepositStatus.CONFIRMED, DepositStatus.APPLIED), DepositStatus.RELEASED,
             SYSTEM,
             Decision.RELEASE_DEPOSIT, Stage.SYSTEM, gettext_lazy("Release"), opinion="none", awaited=False,
             notes=gettext_lazy("at the close for the others, or when the trade is cancelled")),
        Step("forfeit", (DepositStatus.APPLIED,), DepositStatus.FORFEITED, CITY_APPROVER, Decision.FORFEIT, Stage.CITY,
             gettext_lazy("Forfeit the deposit"), opinion="required", attachments=True, style="danger",
             awaited=False, confirm=gettext_lazy("Forfeit the winner's deposit? It did not sign or pay."),
             notes=gettext_lazy("a winner that does not sign the contract or pay forfeits it")),
    ]))
