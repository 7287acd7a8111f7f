from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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
from .models import PermitChangeObligation

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
                                                                                      "withdrawal"), pk=pk)
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
