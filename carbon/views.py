from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quota_registry.access import get_scoped_or_404, scope
from quota_registry.documents.services import latest_documents
from quota_registry.files.services import attachments_of
from quota_registry.portal.history import history
from quota_registry.review import engine, pages

from . import selectors, services
from .forms import AllowanceForm, ReportForm, SurrenderForm, UnitForm
from .models import EmissionReport, KeyEmitter


@login_required
def unit_list(request):
    """The key emitters of the user's city with the year's compliance (the bureau); an enterprise's own; the reports a
    verifier is assigned."""
    user = request.user
    if user.is_enterprise_user:
        unit = KeyEmitter.objects.filter(enterprise=user.organisation).first()
        if unit is None:
            raise PermissionDenied(_("Your enterprise is not on the key emitters' list."))
        return redirect("carbon:unit", pk=unit.pk)
    year = selectors.compliance_year()
    if user.is_verifier:
        return render(request, "carbon/verifier.html", {
            "reports": scope(user, EmissionReport.objects.select_related("unit__enterprise")).order_by("-year")})
    if not (user.is_city_staff or user.is_province_staff or user.is_county_reviewer):
        raise PermissionDenied(_("The key emitters' list is kept by the bureau."))
    rows = selectors.positions(scope(user, KeyEmitter.objects.all()), year)
    return render(request, "carbon/unit_list.html", {
        "year": year, "rows": rows, "proposals": selectors.delisting_proposals(rows), "can_list": user.is_city_staff})


@login_required
def unit_new(request):
    if not request.user.is_city_staff:
        raise PermissionDenied(_("The key emitters of a city are kept by its bureau."))
    form = UnitForm(request.POST or None, user=request.user)
    done = pages.create_from_form(request, form, create=services.unit_list, detail="carbon:unit",
                                  message=lambda u: _("%(name)s is listed as a key emitter.") % {"name": u})
    return done or render(request, "carbon/unit_new.html", {"form": form})


@login_required
def unit_detail(request, pk):
    unit = get_scoped_or_404(request.user, KeyEmitter.objects.select_related("enterprise", "region"), pk=pk)
    user = request.user
    own = user.is_enterprise_user and user.organisation_id == unit.enterprise_id
    staff = user.is_city_staff and unit.region_id in user.city_region_ids
    year = selectors.compliance_year()
    return render(request, "carbon/unit_detail.html", {
        "unit": unit, "years": [services.position(unit, y) for y in selectors.years_of(unit)],
        "reports": unit.reports.order_by("-year"), "held": services.held(unit),
        "documents": [d for r in unit.reports.all() for d in latest_documents(r)],
        "carbon_ledger": selectors.ledger_entries(unit),
        "marks": selectors.credit_marks(unit), "quota": selectors.quota_of(unit.enterprise),
        "report_form": ReportForm(initial={"year": timezone.localdate().year - 1}) if own else None,
        "surrender_form": SurrenderForm(initial={"year": year}) if own or staff else None,
        "allowance_form": AllowanceForm(initial={"year": year}) if staff else None,
        "timeline": history(unit, technical=user.is_city_staff),
        **pages.workflow_context(user, unit, act_url=reverse("carbon:unit-act", args=[pk])),
    })


def _post_form(request, pk, form_class, create, message, *, to=None):
    """A form posted from the unit's page: the service makes the record (its refusal is shown on the unit's page,
    each message with its field); then the message and the page `to(record)` (default: the unit's)."""
    unit = get_scoped_or_404(request.user, KeyEmitter.objects.select_related("enterprise"), pk=pk)
    form = form_class(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            made = create(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, message)
            return redirect(to(made) if to else reverse("carbon:unit", args=[pk]))
    messages.error(request, "；".join(f"{form.fields[f].label if f in form.fields else ''}：{e}"
                                     for f, errs in form.errors.items() for e in errs))
    return redirect("carbon:unit", pk=pk)


@login_required
@require_POST
def report_new(request, pk):
    return _post_form(request, pk, ReportForm, services.report_create,
                      _("The report is filed as a draft: check it and submit it."),
                      to=lambda report: reverse("carbon:report", args=[report.pk]))


@login_required
@require_POST
def allowance_new(request, pk):
    return _post_form(request, pk, AllowanceForm, services.allowance_record, _("The allowance is recorded."))


@login_required
@require_POST
def surrender_new(request, pk):
    return _post_form(request, pk, SurrenderForm, services.surrender_record, _("The surrender is recorded."))


@login_required
def report_detail(request, pk):
    report = get_scoped_or_404(request.user, EmissionReport.objects.select_related("unit__enterprise", "verifier"),
                               pk=pk)
    return render(request, "carbon/report_detail.html", {
        "report": report, "evidence": [*attachments_of(report),
                                       *[f for d in engine.decisions_of(report) for f in attachments_of(d)]],
        "timeline": history(report, technical=request.user.is_city_staff),
        **pages.workflow_context(request.user, report, act_url=reverse("carbon:report-act", args=[pk])),
    })


unit_act = pages.act_view(KeyEmitter, "carbon:unit")
report_act = pages.act_view(EmissionReport, "carbon:report")


def disclosure(request):
    """The public page (seed 004 item 5): the key emitters with their verified emissions and compliance by year,
    and the year's summary."""
    try:
        year = int(request.GET.get("year", selectors.compliance_year()))
    except ValueError:
        year = selectors.compliance_year()
    year = min(max(year, 2013), timezone.localdate().year)
    rows = selectors.positions(KeyEmitter.objects.all(), year)
    return render(request, "carbon/disclosure.html", {
        "year": year, "years": list(range(selectors.compliance_year(), selectors.compliance_year() - 5, -1)),
        "rows": rows, "summary": selectors.summary(rows)})


def provider_list(request):
    """The register of third-party service organisations working in the city (public); the bureau registers them."""
    from .models import ServiceProvider

    return render(request, "carbon/provider_list.html", {
        "providers": scope(request.user, ServiceProvider.objects.select_related("city")).annotate(
            inspected=Count("inspections")),
        "can_register": request.user.is_authenticated and request.user.is_city_staff,
        "staff": request.user.is_authenticated and (request.user.is_city_staff or request.user.is_province_staff)})


@login_required
def provider_new(request):
    from .forms import ProviderForm

    if not request.user.is_city_staff:
        raise PermissionDenied(_("The register of service organisations is kept by the city bureau."))
    form = ProviderForm(request.POST or None)
    done = pages.create_from_form(request, form, create=services.provider_register, detail="carbon:provider",
                                  message=lambda p: _("%(name)s is registered.") % {"name": p})
    return done or render(request, "carbon/provider_new.html", {"form": form})


@login_required
def provider_detail(request, pk):
    """A service organisation and the inspections of it (the bureaus)."""
    from .forms import InspectionForm
    from .models import ServiceProvider

    user = request.user
    if not (user.is_city_staff or user.is_province_staff):
        raise PermissionDenied(_("The inspections are the bureaus'."))
    provider = get_scoped_or_404(user, ServiceProvider.objects.select_related("city", "organisation"), pk=pk)
    form = InspectionForm(request.POST or None) if user.is_city_staff else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.inspection_record(actor=user, provider=provider, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect("carbon:provider", pk=pk)
    return render(request, "carbon/provider_detail.html", {
        "provider": provider, "inspections": provider.inspections.select_related("inspector"), "form": form,
        "timeline": history(provider, technical=user.is_city_staff)})
