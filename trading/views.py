from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import timeline
from quota_registry.files.services import attachments_of
from quota_registry.orgs.models import CITY_ROLES, Role
from quota_registry.portal.views import _apply_service_errors, _page
from quota_registry.reference.models import Region, RegionLevel
from quota_registry.review.services import TransitionNotAllowed

from . import selectors, services
from .forms import ConfirmForm, FileForm
from .models import PermitChangeObligation, ReferencePrice, TradeMethod, TradeStatus

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
    can_file = user.role == Role.ENTERPRISE_USER and obligation.status != "confirmed"
    can_confirm = user.role in CITY_ROLES | {Role.COUNTY_REVIEWER} and obligation.status != "confirmed"
    file_form = FileForm(request.POST or None, request.FILES or None) if can_file else None
    confirm_form = ConfirmForm(request.POST or None, initial={
        "permit_number": obligation.enterprise.permit_number,
        "recorded_transfer": "；".join(f"{t['pollutant']} {t['quantity']} {t['unit']}" for t in obligation.transferred)
        + f" → {obligation.destination}"}) if can_confirm else None
    if request.method == "POST":
        form = file_form if can_file else confirm_form
        if form is not None and form.is_valid():
            try:
                if can_file:
                    services.obligation_file(actor=user, pk=pk, files=form.cleaned_data["files"],
                                             note=form.cleaned_data["note"])
                    messages.success(request, _("Your permit-change application is recorded."))
                else:
                    services.obligation_confirm(actor=user, pk=pk, **form.cleaned_data)
                    messages.success(request, _("The changed permit is recorded."))
                return redirect("trading:obligation-detail", pk=pk)
            except ValidationError as exc:
                _apply_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
    return render(request, "trading/obligation_detail.html", {
        "o": obligation, "today": timezone.localdate(), "overdue": obligation.is_overdue(timezone.localdate()),
        "file_form": file_form, "confirm_form": confirm_form, "evidence": attachments_of(obligation),
        "reminders": obligation.reminders.filter(skipped=False), "timeline": timeline(obligation),
    })


def _step_call(request, trade):
    """One POST handler for every step of the trading procedure shown on the detail page."""
    from django.utils.dateparse import parse_datetime

    from quota_registry.orgs.models import Organisation

    from . import trades

    step, user, post = request.POST.get("step"), request.user, request.POST

    def dt(name):
        value = post.get(name)
        try:
            parsed = parse_datetime(value) if value else None
        except ValueError:
            parsed = None
        if value and parsed is None:
            raise ValidationError({name: _("Enter a date and time such as 2026-11-29 10:30.")})
        return timezone.make_aware(parsed) if parsed and timezone.is_naive(parsed) else parsed

    def dec(name):
        return post.get(name) or None

    def row(qs, name, message):
        """The trade's party or deal named in the form (a number), or a clear error."""
        value = post.get(name, "")
        found = qs.filter(pk=int(value)).first() if value.isdigit() and len(value) < 19 else None
        if found is None:
            raise ValidationError({name: message})
        return found.pk

    calls = {
        "interest": lambda: trades.trade_interest(actor=user, pk=trade.pk, wanted=post.get("wanted_quantity")),
        "qualify": lambda: trades.trade_qualify(actor=user, party_id=row(trade.parties, "party", _("Choose a party.")),
                                                qualified=post.get("qualified") == "1", opinion=post.get("opinion", "")),
        "announce": lambda: trades.trade_announce(actor=user, pk=trade.pk),
        "method": lambda: trades.trade_set_method(
            actor=user, pk=trade.pk, method=post.get("method") or None, reason=post.get("reason", ""),
            starting_price=dec("starting_price"), increment=dec("increment"), opens=dt("bidding_opens"),
            closes=dt("bidding_closes")),
        "bid": lambda: trades.trade_bid(actor=user, pk=trade.pk, quantity=post.get("quantity"),
                                        unit_price=post.get("unit_price")),
        "close": lambda: trades.trade_close(
            actor=user, pk=trade.pk, buyer=Organisation.objects.filter(
                pk=int(post["buyer"]) if post.get("buyer", "").isdigit() and len(post["buyer"]) < 19 else 0).first(),
            quantity=dec("quantity"), unit_price=dec("unit_price")),
        "contract": lambda: trades.trade_contract(actor=user, pk=trade.pk, contract_number=post.get("contract_number", "")),
        "settle": lambda: trades.trade_settle(
            actor=user, deal_id=row(trade.deals, "deal", _("Choose a deal.")),
            buyer_paid_at=timezone.now() if post.get("what") == "buyer_paid" else None,
            seller_paid_at=timezone.now() if post.get("what") == "seller_paid" else None,
            buyer_fee=dec("buyer_fee"), seller_fee=dec("seller_fee")),
        "confirm": lambda: trades.trade_confirm(actor=user, pk=trade.pk),
        "publish": lambda: trades.trade_publish(actor=user, pk=trade.pk),
        "cancel": lambda: trades.trade_cancel(actor=user, pk=trade.pk, reason=post.get("reason", "")),
    }
    if step not in calls:
        raise Http404
    calls[step]()


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
    holdings = Holding.objects.filter(quantity__gt=0, lot__status="active").select_related("lot__pollutant", "lot__region")
    if user.role in CITY_ROLES:
        holdings = holdings.filter(account__kind=AccountKind.POOL)
    elif user.role == Role.ENTERPRISE_USER:
        holdings = holdings.filter(account__kind=AccountKind.ENTERPRISE, account__organisation=user.organisation,
                                   account__reference="")
    else:
        raise PermissionDenied(_("Quota is offered by the city reserve or by an enterprise holding it."))
    errors = []
    if request.method == "POST":
        picks = []
        for h in holdings:
            raw = request.POST.get(f"lot-{h.lot_id}", "").strip()
            if raw:
                try:
                    picks.append((h.lot, quantity(raw, field=h.lot.number, unit=h.lot.pollutant.unit)))
                except QuantityError as exc:
                    errors.append(str(exc))
        factors = {lot.pollutant_id for lot, _q in picks}
        if not picks:
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
    return render(request, "trading/trade_new.html", {"holdings": holdings.order_by("lot__pollutant__sort_order",
                                                                                   "lot__valid_until"),
                                                      "errors": errors})


@login_required
def trade_detail(request, pk):
    from accounting import trading as rules

    from . import trades

    trade = selectors.trades(request.user).select_related("pollutant", "seller").filter(pk=pk).first()
    if trade is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    if request.method == "POST":
        try:
            _step_call(request, trade)
            messages.success(request, _("Done."))
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("trading:trade-detail", pk=pk)
    user = request.user
    is_city = user.role in CITY_ROLES
    mine = trade.parties.filter(organisation_id=user.organisation_id).first() if user.organisation_id else None
    parties = trade.parties.select_related("organisation")
    if not (is_city or user.is_county_reviewer):
        parties = parties.filter(organisation_id=user.organisation_id)
    deals = trade.deals.select_related("buyer")
    if not (is_city or trade.status == "published" or trade.seller_id == user.organisation_id):
        deals = deals.filter(buyer_id=user.organisation_id)
    return render(request, "trading/trade_detail.html", {
        "trade": trade, "parties": parties, "deals": [(d, rules.deviation_percent(d.unit_price, d.reference_price))
                                                      for d in deals],
        "lots": trade.lots.select_related("lot__region") if is_city or trade.seller_id == user.organisation_id else [],
        "bids": trade.bids.select_related("party__organisation") if is_city else trade.bids.filter(
            party__organisation_id=user.organisation_id),
        "is_city": is_city, "is_approver": user.role == Role.CITY_APPROVER, "mine": mine,
        "suggestion": trades.suggestion(trade) if trade.status == "announced" else None,
        "method_labels": dict(TradeMethod.choices),
        "qualified_buyers": trade.parties.filter(role="buyer", qualified=True).select_related("organisation"),
        "now": timezone.now(), "timeline": timeline(trade),
    })


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
    history = ReferencePrice.objects.select_related("pollutant").order_by("pollutant__sort_order", "effective_from")
    chart = {}
    for p in history:
        chart.setdefault(f"{p.pollutant.name}（{p.unit}）", []).append([f"{p.effective_from:%Y-%m-%d}", str(p.price)])
    return render(request, "trading/prices.html", {"current": prices.current(), "history": history.reverse(),
                                                   "chart": chart, "can_edit": can_edit,
                                                   "pollutants": Pollutant.objects.all()})
