from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quota_registry import inputs, jurisdiction
from quota_registry.access import get_scoped_or_404, scope
from quota_registry.documents.selectors import visible_documents
from quota_registry.documents.services import latest_documents
from quota_registry.files.services import attachments_of
from quota_registry.orgs.models import CITY_ROLES, Role
from quota_registry.portal.history import history
from quota_registry.portal.views import _page
from quota_registry.reference.models import Region, RegionLevel
from quota_registry.review import engine, pages

from . import selectors, workflows
from .models import (
    Deposit,
    FeeStatus,
    PaidUseFee,
    PermitChangeObligation,
    Pledge,
    PledgeStatus,
    ReferencePrice,
    Trade,
    TradeMethod,
    TradeParty,
    TradeStatus,
)

STATES = [("open", gettext_lazy("Not yet confirmed")), ("due_soon", gettext_lazy("Due within 10 working days")),
          ("overdue", gettext_lazy("Overdue")), ("confirmed", gettext_lazy("Confirmed"))]


@login_required
def obligation_list(request):
    """Enterprises: their obligations. County and city: the dashboard with counts and lists by county."""
    today = timezone.localdate()
    state = request.GET.get("state", "open")
    region = request.GET.get("region", "")
    qs = selectors.obligations(request.user, today=today, state=state, region=region)
    return render(request, "trading/obligation_list.html", {
        "page": _page(request, qs.order_by("due_date", "id")), "counts": selectors.counts(request.user, today=today),
        "state": state, "region": region, "today": today, "states": STATES,
        "regions": Region.objects.filter(level=RegionLevel.COUNTY) if request.user.role != Role.ENTERPRISE_USER else [],
    })


@login_required
def obligation_detail(request, pk):
    user = request.user
    obligation = get_scoped_or_404(user, PermitChangeObligation.objects.select_related("enterprise", "region",
                                                                                      "origin_type"), pk=pk)
    return render(request, "trading/obligation_detail.html", {
        "o": obligation, "today": timezone.localdate(), "overdue": obligation.is_overdue(timezone.localdate()),
        "evidence": attachments_of(obligation), "reminders": obligation.reminders.filter(skipped=False),
        "timeline": history(obligation, technical=request.user.is_city_staff),
        **pages.workflow_context(user, obligation, act_url=reverse("trading:obligation-act", args=[pk])),
    })


obligation_act = pages.act_view(PermitChangeObligation, "trading:obligation-detail")


@login_required
def trade_list(request):
    qs = selectors.trades(request.user).select_related("pollutant", "seller").order_by("-created_at")
    if request.GET.get("status"):
        qs = qs.filter(status=request.GET["status"])
    return render(request, "trading/trade_list.html", {
        "page": _page(request, qs), "statuses": TradeStatus.choices,
        "can_offer": request.user.role in CITY_ROLES | {Role.ENTERPRISE_USER}})


@login_required
def trade_new(request):
    from accounting.quantities import QuantityError, quantity
    from ledger.models import AccountKind, Holding
    from quota_registry.reference.models import Pollutant

    from . import trades

    user = request.user
    holdings = Holding.objects.filter(quantity__gt=0, lot__status="active").select_related(
        "lot__pollutant", "lot__region", "account")
    if user.role in CITY_ROLES:
        holdings = holdings.filter(account__kind=AccountKind.POOL, account__city_id=user.city_id)  # its city's pool
    elif user.role == Role.ENTERPRISE_USER:
        # its general account and its projects' accounts (whether a project's quota may be sold is the rule set's:
        # trades.trade_create says why not)
        holdings = holdings.filter(account__kind=AccountKind.ENTERPRISE, account__organisation=user.organisation)
    else:
        raise PermissionDenied(_("Quota is offered by the city reserve or by an enterprise holding it."))
    holdings = list(holdings.order_by("lot__pollutant__sort_order", "account__reference", "lot__valid_until"))
    errors, typed = [], {}
    if request.method == "POST":
        picks = []
        for h in holdings:
            raw = typed[h.pk] = request.POST.get(f"holding-{h.pk}", "").strip()[:40]
            if raw:
                try:
                    picks.append((h.lot, quantity(raw, field=h.lot.number, unit=h.lot.pollutant.unit),
                                  h.account if h.account.reference else None))
                except QuantityError as exc:
                    errors.append(str(exc))
        factors = {lot.pollutant_id for lot, _q, _a in picks}
        if not picks and not errors:
            errors.append(_("Choose the lots and quantities to offer."))
        elif len(factors) > 1:
            errors.append(_("One trade offers one pollutant factor."))
        if not errors:
            try:
                trade = trades.trade_create(actor=user, pollutant=Pollutant.objects.get(pk=factors.pop()), lots=picks)
                messages.success(request, _("Offer %(number)s recorded.") % {"number": trade.number})
                return redirect("trading:trade-detail", pk=trade.pk)
            except ValidationError as exc:
                errors.extend(exc.messages)
    return render(request, "trading/trade_new.html", {
        "holdings": [(h, typed.get(h.pk, "")) for h in holdings], "errors": errors,
        "enterprise": user.role == Role.ENTERPRISE_USER})


@login_required
def trade_detail(request, pk):
    from accounting import trading as rules

    from . import fees, trades

    trade = selectors.trades(request.user).select_related("pollutant", "seller").filter(pk=pk).first()
    if trade is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    user = request.user
    is_city = user.role in CITY_ROLES
    parties = trade.parties.select_related("organisation")
    if not (is_city or user.is_county_reviewer):
        parties = parties.filter(organisation_id=user.organisation_id)
    suggestion = trades.suggestion(trade) if trade.status == "announced" and is_city else None
    deals = trade.deals.select_related("buyer")
    if not (is_city or trade.status == "published" or trade.seller_id == user.organisation_id):
        deals = deals.filter(buyer_id=user.organisation_id)
    return render(request, "trading/trade_detail.html", {
        "trade": trade, "deals": [(d, rules.deviation_percent(d.unit_price, d.reference_price), trades.seller_payment(d))
                                  for d in deals],
        "parties": [(p, pages.offers(user, p), engine.decisions_of(p).last()) for p in parties],
        "deposits": [(d, pages.offers(user, d)) for d in scope(user, trade.deposits.select_related(
            "party__organisation"))] if trade.method == TradeMethod.BIDDING else [],
        "deposit_act": reverse("trading:deposit-act", args=[pk]),
        "live_url": reverse("trading:trade-live", args=[pk]) if trade.method == TradeMethod.BIDDING else "",
        "party_act": reverse("trading:party-act", args=[pk]),
        "fees": dict(fees.fee_position(trade.seller, trade.pollutant), shown=is_city or trade.seller_id == user.organisation_id)
        if trade.seller_id else None,
        "lots": trade.lots.select_related("lot__region", "account") if is_city or trade.seller_id == user.organisation_id else [],
        "bids": trade.bids.select_related("party__organisation") if is_city else trade.bids.filter(
            party__organisation_id=user.organisation_id),
        "suggestion": suggestion, "suggested_label": TradeMethod(suggestion.method).label if suggestion else "",
        "timeline": workflows.trade_history_shown(user, history(trade, technical=request.user.is_city_staff)),
        "documents": [d for d in latest_documents(trade) if visible_documents(user).filter(pk=d.pk).exists()],
        "notice": trades.notice_position(trade),
        **pages.workflow_context(user, trade, act_url=reverse("trading:trade-act", args=[pk])),
    })


trade_act = pages.act_view(Trade, "trading:trade-detail")


@login_required
def trade_live(request, pk):
    """The bidding's live state as JSON (the trade's page refreshes it every few seconds): no bidder's name."""
    from django.http import JsonResponse

    from . import trades

    trade = selectors.trades(request.user).filter(pk=pk).first()
    if trade is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    return JsonResponse(trades.live(trade, request.user), headers={"Cache-Control": "no-store"})


def _act_on_row(request, pk, model, field: str):
    """A step on a row of a trade (a party's qualification, a bidder's deposit), posted from the trade's page with
    the row's id in `field`; 404 for a row of another trade."""
    row = model.objects.filter(trade_id=pk, pk=inputs.record_id(request.POST.get(field, ""))).first()
    if row is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    return pages.act(request, model, row.pk, next_url=reverse("trading:trade-detail", args=[pk]))


@login_required
@require_POST
def deposit_act(request, pk):
    return _act_on_row(request, pk, Deposit, "deposit")


@login_required
@require_POST
def party_act(request, pk):
    return _act_on_row(request, pk, TradeParty, "party")


def reference_prices(request):
    """Public: the reference prices in force and their history (chart); city staff add a new price."""
    from quota_registry.permissions import can_maintain_reference_data
    from quota_registry.reference.models import Pollutant

    from . import prices

    can_edit = request.user.is_authenticated and can_maintain_reference_data(request.user)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            from accounting import dates

            prices.reference_price_set(actor=request.user, pollutant=Pollutant.objects.get(code=request.POST.get("pollutant")),
                                       price=request.POST.get("price"),
                                       effective_from=dates.to_date(request.POST.get("effective_from", "")),
                                       document=request.POST.get("document", ""))
            messages.success(request, _("Reference price saved; the previous one is closed."))
        except (ValidationError, ValueError, Pollutant.DoesNotExist) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc) or _("Check the factor, price and date.")])))
        return redirect("trading:prices")
    # each city sets its own (issue 19): the one asked for, the user's own, or the deployment's main city
    cities = list(jurisdiction.cities())
    city = next((c for c in cities if c.code == request.GET.get("city")), None) or next(
        (c for c in cities if c.pk == (getattr(request.user, "city_id", None) or jurisdiction.main_city_id())), None)
    city_id = city.pk if city else None
    past = ReferencePrice.objects.filter(city_id=city_id).select_related("pollutant").order_by(
        "pollutant__sort_order", "effective_from")
    chart = {}
    for p in past:
        chart.setdefault(f"{p.pollutant.name}（{p.unit}）", []).append([f"{p.effective_from:%Y-%m-%d}", str(p.price)])
    return render(request, "trading/prices.html", {"current": prices.current(city_id=city_id), "history": past.reverse(),
                                                   "chart": chart, "can_edit": can_edit and city_id == request.user.city_id,
                                                   "pollutants": Pollutant.objects.all(), "city": city,
                                                   "cities": cities})


# --- paid-use fees (seed 001 Art 21) --------------------------------------------------------------------------------

@login_required
def fee_list(request):
    """Enterprises: their fees; county reviewers: their county's; city staff: all, and they record new ones."""
    qs = scope(request.user, PaidUseFee.objects.select_related("enterprise", "pollutant"))
    status = request.GET.get("status", "")
    if status in FeeStatus.values:
        qs = qs.filter(status=status)
    return render(request, "trading/fee_list.html", {
        "page": _page(request, qs.order_by("status", "due_date", "id")), "statuses": FeeStatus.choices,
        "status": status, "today": timezone.localdate(), "can_record": request.user.role in CITY_ROLES})


@login_required
def fee_new(request):
    from . import fees
    from .forms import FeeForm

    if request.user.role not in CITY_ROLES:
        raise PermissionDenied(_("Paid-use fees are recorded by the city bureau."))
    form = FeeForm(request.POST or None)
    done = pages.create_from_form(request, form, create=fees.fee_create, detail="trading:fee-detail", message=lambda f: _(
        "Paid-use fee %(number)s recorded; the enterprise is told.") % {"number": f.number})
    return done or render(request, "trading/fee_new.html", {"form": form})


@login_required
def fee_detail(request, pk):
    fee = get_scoped_or_404(request.user, PaidUseFee.objects.select_related("enterprise", "pollutant", "account"),
                            pk=pk)
    return render(request, "trading/fee_detail.html", {
        "fee": fee, "today": timezone.localdate(), "receipts": attachments_of(fee),
        "timeline": history(fee, technical=request.user.is_city_staff),
        **pages.workflow_context(request.user, fee, act_url=reverse("trading:fee-act", args=[pk])),
    })


fee_act = pages.act_view(PaidUseFee, "trading:fee-detail")


def market(request):
    """Public: the quarterly market statistics (issue 18): volume, amount, deals and the average price per factor
    against the reference price, with a chart."""
    from . import market as statistics

    rows = statistics.quarterly()
    return render(request, "trading/market.html", {
        "rows": rows, "chart": statistics.chart(rows), "quarters": statistics.QUARTERS,
        "labels": {"average": _("average price"), "reference": _("reference price")}})


# --- pledges (seed 001 Arts 6, 12(7)) -------------------------------------------------------------------------------

@login_required
def pledge_list(request):
    """An enterprise: its pledges; a bank: the pledges it holds; the county and the city: theirs."""
    qs = scope(request.user, Pledge.objects.select_related("enterprise", "bank", "lot__pollutant"))
    status = request.GET.get("status", "")
    if status in PledgeStatus.values:
        qs = qs.filter(status=status)
    return render(request, "trading/pledge_list.html", {
        "page": _page(request, qs.order_by("-created_at", "-id")), "statuses": PledgeStatus.choices, "status": status,
        "can_apply": request.user.role == Role.ENTERPRISE_USER})


@login_required
def pledge_new(request):
    from ledger.models import AccountKind, Holding

    from . import pledges
    from .forms import PledgeForm

    if request.user.role != Role.ENTERPRISE_USER:
        raise PermissionDenied(_("A pledge is applied for by the enterprise holding the quota."))
    holdings = list(Holding.objects.filter(account__kind=AccountKind.ENTERPRISE, account__reference="",
                                           account__organisation=request.user.organisation, quantity__gt=0,
                                           lot__status="active"))
    form = PledgeForm(request.POST or None, request.FILES or None, holdings=holdings)
    done = pages.create_from_form(request, form, create=pledges.pledge_create, detail="trading:pledge-detail",
                                  message=lambda p: _("Pledge %(number)s applied for: the city bureau registers it.") % {
                                      "number": p.number})
    return done or render(request, "trading/pledge_new.html", {"form": form})


@login_required
def pledge_detail(request, pk):
    from . import pledges

    pledge = get_scoped_or_404(request.user, Pledge.objects.select_related("enterprise", "bank", "lot__pollutant",
                                                                          "encumbrance", "trade"), pk=pk)
    return render(request, "trading/pledge_detail.html", {
        "pledge": pledge, "documents": [*attachments_of(pledge),
                                        *[f for d in engine.decisions_of(pledge) for f in attachments_of(d)]],
        "log": pledges.position(pledge), "timeline": history(pledge, technical=request.user.is_city_staff),
        **pages.workflow_context(request.user, pledge, act_url=reverse("trading:pledge-act", args=[pk])),
    })


pledge_act = pages.act_view(Pledge, "trading:pledge-detail")
