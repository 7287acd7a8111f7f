"""HTML pages of the portal. Views only read through selectors/scope and write through services."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quota_registry import inputs, jurisdiction
from quota_registry.access import get_scoped_or_404, scope
from quota_registry.notifications.models import Notification
from quota_registry.notifications.services import notification_mark_read
from quota_registry.orgs import services as org_services
from quota_registry.orgs.models import Organisation, OrganisationKind, Role, User
from quota_registry.orgs.token import active_tokens, token_revoke
from quota_registry.permissions import can_maintain_reference_data, can_manage_organisations, require
from quota_registry.portal.history import history
from quota_registry.reference import services as reference_services
from quota_registry.reference.models import Pollutant, QualityIndicator, QualityStatus, Region, RegionLevel
from quota_registry.tallies.selectors import key, tallies

from .forms import (
    CalendarImportForm,
    CityCalendarDayForm,
    DeactivateForm,
    OrganisationFilterForm,
    OrganisationForm,
    QualityStatusForm,
)

PAGE_SIZE = 20


def _page(request, queryset, size=PAGE_SIZE, paginator=Paginator, count: int | None = None):
    """A page of `queryset`; `count`: how many rows it has, when the caller knows it already (not counted again)."""
    pages = paginator(queryset, size)
    if count is not None:
        pages.count = count  # the paginator's cached count
    return pages.get_page(request.GET.get("page"))


def _apply_service_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def landing(request):
    """The public landing page (Art 24): what the registry is, and its reference data."""
    counties = Region.objects.filter(level=RegionLevel.COUNTY).prefetch_related("watersheds")
    return render(request, "portal/landing.html", {
        "pollutants": scope(request.user, Pollutant),
        "counties": scope(request.user, counties),
    })


HOME_TITLES = {
    Role.ENTERPRISE_USER: gettext_lazy("Enterprise workspace"),
    Role.COUNTY_REVIEWER: gettext_lazy("County bureau workspace"),
    Role.CITY_REVIEWER: gettext_lazy("City reviewer workspace"),
    Role.CITY_APPROVER: gettext_lazy("City approver workspace"),
    Role.CITY_ADMIN: gettext_lazy("City administrator workspace"),
    Role.TECH_REVIEWER: gettext_lazy("Technical reviewer workspace"),
}


def _application_counts(found: dict) -> dict:
    """Counts of entry applications in the user's scope by what needs doing, from their tally by state."""
    from quota_registry.review.models import Status

    return {"drafts": found.get(Status.DRAFT, 0) + found.get(Status.RETURNED, 0),
            "awaiting_county": found.get(Status.SUBMITTED, 0), "awaiting_city": found.get(Status.COUNTY_APPROVED, 0),
            "approved": found.get(Status.APPROVED, 0)}


@login_required
def home(request):
    """Each role's home page: who you are, your inbox, and the counts of what you look after."""
    user = request.user
    from ledger.models import Lot
    from quota_registry.review import engine
    from quota_registry.review.pages import with_current_status
    from reserve.models import EntryApplication, WithdrawalApplication

    inbox = with_current_status(scope(user, Notification)[:8])
    # what the page counts by state or kind, kept by the database (quota_registry/tallies): read in one query
    counts = tallies(user, [EntryApplication, WithdrawalApplication, Lot,
                            *([Organisation] if user.is_city_staff else [])])
    waiting = [(str(kind.title_plural), count, kind.list_url(user) if kind.list_url else "")
               for kind, count in engine.waiting_for(user, counts=counts)]
    organisations = scope(user, Organisation)
    context = {
        "home_title": str(HOME_TITLES.get(user.role, gettext_lazy("Workspace"))),
        "inbox": inbox, "waiting": waiting, "waiting_total": sum(count for _t, count, _u in waiting),
        "organisation": user.organisation,
    }
    context["applications"] = _application_counts(counts[EntryApplication])
    from trading.selectors import counts as obligation_counts

    context["obligations"] = obligation_counts(user)
    if user.is_enterprise_user:
        context["colleagues"] = scope(user, User).filter(is_active=True).count()
    elif user.is_county_reviewer:
        context["counts"] = organisations.aggregate(
            enterprises=Count("pk", filter=Q(kind=OrganisationKind.ENTERPRISE, is_active=True)),
            without_permit=Count("pk", filter=Q(kind=OrganisationKind.ENTERPRISE, permit_number="")),
        )
    elif user.is_city_staff:
        year = timezone.localdate().year - 1
        counties = jurisdiction.counties(user)  # the city's
        recorded = QualityStatus.objects.filter(year=year, region__in=counties).count()
        counties = counties.count()
        found = counts[Organisation]
        context["counts"] = {"enterprises": found.get(key(OrganisationKind.ENTERPRISE, True), 0),
                             "county_bureaus": found.get(key(OrganisationKind.COUNTY_BUREAU, True), 0)
                             + found.get(key(OrganisationKind.COUNTY_BUREAU, False), 0)}
        context["quality_year"] = year
        context["quality_missing"] = counties * len(QualityIndicator.values) - recorded
        context["active_tokens"] = active_tokens(user).count()
    return render(request, "portal/home.html", context)


@login_required
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    qs = scope(request.user, Organisation.objects.select_related("region", "industry"))
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(credit_code__icontains=data["q"].upper()))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["region"]:
            qs = qs.filter(region=data["region"])
        if data["active"]:
            qs = qs.filter(is_active=data["active"] == "1")
    return render(request, "portal/organisation_list.html", {
        "form": form, "page": _page(request, qs), "can_manage": can_manage_organisations(request.user),
    })


@login_required
def organisation_detail(request, pk):
    org = get_scoped_or_404(request.user, Organisation.objects.select_related("region", "industry"), pk=pk)
    return render(request, "portal/organisation_detail.html", {
        "org": org,
        "people": scope(request.user, User).filter(organisation=org),
        "restrictions": org.restrictions.all(),
        "timeline": history(org, technical=request.user.is_city_staff),
        "can_manage": can_manage_organisations(request.user),
        "deactivate_form": DeactivateForm(),
    })


@login_required
def organisation_edit(request, pk=None):
    require(can_manage_organisations(request.user))
    instance = get_scoped_or_404(request.user, Organisation, pk=pk) if pk else None
    form = OrganisationForm(request.POST or None, instance=instance, actor=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if instance is None:
                org = org_services.organisation_create(actor=request.user, **fields)
                messages.success(request, _("Organisation %(name)s registered.") % {"name": org.name})
            else:
                org = org_services.organisation_update(actor=request.user, organisation_id=instance.pk, **fields)
                messages.success(request, _("Changes to %(name)s saved.") % {"name": org.name})
            return redirect("portal:organisation-detail", pk=org.pk)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
    return render(request, "portal/organisation_form.html", {"form": form, "org": instance})


@login_required
@require_POST
def organisation_set_active(request, pk):
    org = get_scoped_or_404(request.user, Organisation, pk=pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for this change."))
        return redirect("portal:organisation-detail", pk=org.pk)
    active = request.POST.get("active") == "1"
    try:
        org_services.organisation_set_active(actor=request.user, organisation_id=org.pk, active=active,
                                             reason=form.cleaned_data["reason"])
        messages.success(request, _("Organisation reactivated.") if active else _("Organisation deactivated."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("portal:organisation-detail", pk=org.pk)


@login_required
def notification_list(request):
    qs = scope(request.user, Notification)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    from quota_registry.review.pages import with_current_status

    page = _page(request, qs)
    page.object_list = with_current_status(page.object_list)
    return render(request, "portal/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_mark_read_view(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()] or None
    count = notification_mark_read(actor=request.user, notification_ids=ids)
    messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "portal:notifications"
    return redirect(target)


def quality_status(request):
    """Environmental-quality status by county and indicator for one year (public; city staff edit)."""
    years = list(QualityStatus.objects.order_by("-year").values_list("year", flat=True).distinct())
    default_year = years[0] if years else timezone.localdate().year - 1
    try:
        year = int(request.GET.get("year", default_year))
    except ValueError:
        year = default_year
    rows = {(s.region_id, s.indicator): s for s in scope(request.user, QualityStatus).filter(year=year)}
    counties = jurisdiction.counties(request.user)  # a city's staff: their city's; anyone else: every city's
    grid = [(county, [rows.get((county.pk, code)) for code in QualityIndicator.values]) for county in counties]
    can_edit = can_maintain_reference_data(request.user)
    form = None
    if can_edit:
        form = QualityStatusForm(request.POST or None, initial={"year": year}, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                reference_services.quality_status_set(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Quality status saved."))
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
            except ValidationError as exc:
                _apply_service_errors(form, exc)
    elif request.method == "POST":
        require(False)
    return render(request, "portal/quality_status.html", {
        "year": year, "years": sorted(set(years) | {year}, reverse=True), "grid": grid,
        "indicators": QualityIndicator.choices, "form": form,
    })


@login_required
def calendar(request):
    """The official calendar: years the city entered, and the Excel import (city staff); each city's own days
    (local holidays, days moved to working), entered by its staff."""
    from quota_registry.reference.models import CalendarYear, CityCalendarDay

    can_edit = can_maintain_reference_data(request.user)
    own_city = can_edit and getattr(request.user, "city_id", None) is not None
    posted_day = request.method == "POST" and request.POST.get("form") == "city-day"
    form = CalendarImportForm(request.POST if request.method == "POST" and not posted_day else None,
                              request.FILES or None) if can_edit else None
    day_form = CityCalendarDayForm(request.POST if posted_day else None) if own_city else None
    if posted_day:
        require(own_city)
        if day_form.is_valid():
            try:
                entry = reference_services.city_calendar_day_set(actor=request.user, day=day_form.cleaned_data["date"],
                                                                 **{k: day_form.cleaned_data[k] for k in (
                                                                     "working", "name", "basis")})
                messages.success(request, _("%(date)s %(name)s is entered for %(city)s; the due dates it falls within "
                                            "were counted again.") % {"date": f"{entry.date:%Y-%m-%d}",
                                                                      "name": entry.name, "city": entry.city.name})
                return redirect("portal:calendar")
            except ValidationError as exc:
                day_form.add_service_errors(exc)
    elif request.method == "POST":
        require(can_edit)
        if form.is_valid():
            try:
                rows = reference_services.parse_calendar_sheet(form.cleaned_data["file"])
                year = reference_services.calendar_import(actor=request.user, year=form.cleaned_data["year"],
                                                          notice=form.cleaned_data["notice"], rows=rows)
                messages.success(request, _("The calendar of %(year)s is entered; provisional due dates were "
                                            "recomputed.") % {"year": year.year})
                return redirect("portal:calendar")
            except ValidationError as exc:
                _apply_service_errors(form, exc)
    years = CalendarYear.objects.prefetch_related("days")
    city_days = CityCalendarDay.objects.select_related("city").filter(date__year__gte=timezone.localdate().year - 1)
    return render(request, "portal/calendar.html", {"form": form, "years": years, "day_form": day_form,
                                                    "city_days": city_days})


@login_required
def api_tokens(request):
    """Your API keys: the active ones with their expiry and last use, revocable; then the expired and revoked."""
    from quota_registry.orgs.models import ApiToken

    if request.method == "POST":
        pk = request.POST.get("token", "")
        token = token_revoke(actor=request.user, pk=inputs.record_id(pk) or 0)
        messages.success(request, _("The key beginning with %(prefix)s is revoked: it no longer opens the API.") % {
            "prefix": token.prefix})
        return redirect("portal:api-tokens")
    tokens = scope(request.user, ApiToken)
    active = active_tokens(request.user)
    return render(request, "portal/api_tokens.html", {
        "active": active, "inactive": tokens.exclude(pk__in=active.values("pk"))[:20],
        "days": settings.PORTAL_TOKEN_DAYS,
    })
