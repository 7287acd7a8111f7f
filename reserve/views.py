"""Pages of the pool: entry applications (my applications, inboxes, form, detail with decisions), the
pool overview, lots and the ledger. Reads go through scope/selectors, writes through services."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounting.quantities import QuantityError
from quota_registry.access import get_scoped_or_404, scope
from quota_registry.audit.services import timeline
from quota_registry.files.models import Attachment
from quota_registry.files.services import attachments_of
from quota_registry.orgs.models import CITY_ROLES, Role
from quota_registry.permissions import is_city_staff, require
from quota_registry.portal.views import _apply_service_errors, _page
from quota_registry.review import services as review
from quota_registry.review.models import Status

from . import entries, selectors
from .forms import CompletionForm, DecisionForm, EntryApplicationForm, EntryFilterForm, EntryItemFormSet, VerifyForm
from .models import AccountKind, EntryApplication, Holding, LedgerHead, LedgerTransaction, LotStatus

INBOX_STATUS = {Role.COUNTY_REVIEWER: Status.SUBMITTED, Role.CITY_REVIEWER: Status.COUNTY_APPROVED,
                Role.CITY_APPROVER: Status.COUNTY_APPROVED}
ACTION_LABELS = {
    "submit": _("Submit"), "withdraw": _("Withdraw the application"), "county_approve": _("Approve and forward"),
    "county_return": _("Return for correction"), "county_reject": _("Reject"),
    "city_prepare": _("Record the preparatory review"), "city_approve": _("Approve: enter into the pool"),
    "city_return": _("Return for correction"), "city_reject": _("Reject"), "revoke": _("Revoke (Art 25)"),
}
IRREVERSIBLE = {"withdraw", "county_reject", "city_approve", "city_reject", "revoke"}


@login_required
def entry_list(request):
    """Enterprises: my applications. Reviewers: their inbox (oldest waiting first), or all in scope."""
    user = request.user
    qs = scope(user, EntryApplication.objects.select_related("applicant", "region")).prefetch_related("items__pollutant")
    inbox_status = INBOX_STATUS.get(user.role)
    inbox = inbox_status is not None and request.GET.get("all") != "1"
    form = EntryFilterForm(request.GET or None)
    if inbox:
        qs = qs.filter(status=inbox_status).order_by("submitted_at", "id")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(number__icontains=data["q"]) | Q(applicant__name__icontains=data["q"]))
        if data["status"] and not inbox:
            qs = qs.filter(status=data["status"])
        if data["source_kind"]:
            qs = qs.filter(source_kind=data["source_kind"])
    return render(request, "reserve/entry_list.html", {
        "page": _page(request, qs), "form": form, "inbox": inbox, "has_inbox": inbox_status is not None,
        "can_file": user.role in (Role.ENTERPRISE_USER, Role.COUNTY_REVIEWER), "now": timezone.now(),
    })


def _returnable_lots(actor, enterprise):
    if enterprise is None:
        return None
    held = Holding.objects.filter(account__kind=AccountKind.ENTERPRISE, account__organisation=enterprise, quantity__gt=0)
    return scope(actor, selectors.lots(actor)).filter(pk__in=held.values("lot"))


def _map_item_errors(form, formset, exc: ValidationError):
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        if key.startswith("items[") and "." in key:
            index = int(key[6:key.index("]")])
            field = key.split(".", 1)[1]
            target = formset.forms[index] if index < len(formset.forms) else None
            if target is not None:
                for e in errors:
                    target.add_error(field if field in target.fields else None, e)
                continue
        for e in errors:
            if key == "items":
                formset._non_form_errors = formset.error_class(list(e.messages))
            else:
                form.add_error(key if key in form.fields else None, e)


def _compute_preview(formset):
    """The '计算' button: each row's quantity and formula from its inputs, without saving."""
    for row in formset.forms:
        payload = row.payload() if row.is_valid() else None
        if not payload:
            continue
        try:
            result = entries.compute_item(payload["pollutant"], payload["accounting_method"],
                                          {**payload["accounting_inputs"],
                                           **({"quantity": str(payload["quantity"])} if payload["quantity"] is not None
                                              else {})})
            row.preview = result
        except QuantityError as exc:
            row.add_error(None, str(exc))


@login_required
def entry_edit(request, pk=None):
    user = request.user
    require(user.role in (Role.ENTERPRISE_USER, Role.COUNTY_REVIEWER), _("Your role does not allow filing entry applications."))
    instance = None
    if pk:
        instance = get_scoped_or_404(user, EntryApplication, pk=pk)
        if not review.is_applicant(user, instance):
            raise PermissionDenied(_("Only the applicant may change this application."))
        if not instance.is_editable:
            messages.error(request, _("This application can no longer be changed."))
            return redirect("reserve:entry-detail", pk=pk)
    enterprise = instance.applicant if instance else (user.organisation if user.is_enterprise_user else None)
    data = request.POST if request.method == "POST" else None
    form = EntryApplicationForm(data, request.FILES or None, instance=instance, actor=user)
    initial = None
    if instance and not data:
        initial = [{"pollutant": i.pollutant, "accounting_method": i.accounting_method, "quantity": i.quantity,
                    "completion_date": i.completion_date, "accounting_basis": i.accounting_basis,
                    "returned_lot": i.returned_lot, **i.accounting_inputs} for i in instance.items.select_related("pollutant")]
    formset = EntryItemFormSet(data, initial=initial, prefix="items",
                               form_kwargs={"returnable_lots": _returnable_lots(user, enterprise)})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = [p for p in (f.payload() for f in formset.forms) if p]
        if "compute" in request.POST:
            _compute_preview(formset)
        else:
            fields = {name: form.cleaned_data[name] for name in entries.APPLICATION_FIELDS if name in form.cleaned_data}
            try:
                if instance is None:
                    application = entries.entry_create(actor=user, data=fields, items=items,
                                                       enterprise=form.cleaned_data.get("enterprise"),
                                                       files=form.cleaned_data["evidence"])
                    messages.success(request, _("Draft %(number)s saved. Check it, then submit it.") % {
                        "number": application.number})
                else:
                    application = entries.entry_update(actor=user, pk=instance.pk, data=fields, items=items)
                    if form.cleaned_data["evidence"]:
                        entries.entry_add_evidence(actor=user, pk=instance.pk, files=form.cleaned_data["evidence"])
                    messages.success(request, _("Changes saved."))
                return redirect("reserve:entry-detail", pk=application.pk)
            except ValidationError as exc:
                _map_item_errors(form, formset, exc)
    return render(request, "reserve/entry_form.html", {"form": form, "formset": formset, "application": instance})


@login_required
def entry_detail(request, pk):
    user = request.user
    application = get_scoped_or_404(user, EntryApplication.objects.select_related("applicant", "region", "watershed",
                                                                                   "applicant__industry"), pk=pk)
    items = application.items.select_related("pollutant", "lot", "returned_lot")
    decisions = review.reviews_of(application)
    actions = review.allowed_actions(user, application)
    review_files = {}
    for a in Attachment.objects.filter(content_type__model="review", object_id__in=[d.pk for d in decisions]):
        review_files.setdefault(a.object_id, []).append(a)
    discrepancies = []
    if application.status == Status.REVOKED:
        discrepancies = [(item.lot, entries.lot_discrepancy(item.lot)) for item in items if hasattr(item, "lot")]
    return render(request, "reserve/entry_detail.html", {
        "application": application, "items": items, "decisions": [(d, review_files.get(d.pk, [])) for d in decisions],
        "evidence": attachments_of(application), "timeline": timeline(application),
        "actions": [(a, ACTION_LABELS[a], a in IRREVERSIBLE) for a in actions if a != "submit"],
        "can_submit": "submit" in actions, "can_edit": application.is_editable and review.is_applicant(user, application),
        "can_verify": user.role in CITY_ROLES and application.status == Status.COUNTY_APPROVED,
        "discrepancies": discrepancies,
    })


@login_required
@require_POST
def entry_act(request, pk):
    form = DecisionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The decision could not be read; please try again."))
        return redirect("reserve:entry-detail", pk=pk)
    action = form.cleaned_data["action"]
    try:
        review.transition(actor=request.user, model=EntryApplication, pk=pk, action=action,
                          opinion=form.cleaned_data["opinion"], attachments=form.cleaned_data["attachments"])
        messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS.get(action, action)})
    except review.TransitionNotAllowed as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("reserve:entry-detail", pk=pk)


@login_required
@require_POST
def entry_verify(request, pk):
    application = get_scoped_or_404(request.user, EntryApplication, pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid() and application.items.filter(pk=form.cleaned_data["item"]).exists():
        try:
            entries.entry_set_verified_quantity(actor=request.user, item_id=form.cleaned_data["item"],
                                                quantity=form.cleaned_data["quantity"], reason=form.cleaned_data["reason"])
            messages.success(request, _("Verified figure recorded."))
        except (ValidationError, review.TransitionNotAllowed) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Give the verified quantity and the reason."))
    return redirect("reserve:entry-detail", pk=pk)


def _staff(user):
    require(user.role in CITY_ROLES or user.role == Role.COUNTY_REVIEWER, _("The pool overview is for bureau staff."))


@login_required
def pool_overview(request):
    _staff(request.user)
    return render(request, "reserve/pool.html", selectors.pool_overview(request.user))


@login_required
def lot_list(request):
    qs = selectors.lots(request.user)
    for key in ("pollutant", "region"):
        if request.GET.get(key):
            qs = qs.filter(**{f"{key}__code": request.GET[key]})
    if request.GET.get("status"):
        qs = qs.filter(status=request.GET["status"])
    from quota_registry.reference.models import Pollutant, Region

    return render(request, "reserve/lot_list.html", {
        "page": _page(request, qs.order_by("valid_until", "id")), "statuses": LotStatus.choices,
        "pollutants": Pollutant.objects.all(), "regions": Region.objects.filter(level="county"),
    })


@login_required
def lot_detail(request, pk):
    lot = get_scoped_or_404(request.user, selectors.lots(request.user), pk=pk)
    form = None
    if lot.status == LotStatus.PLANNED and request.user.role in CITY_ROLES:
        form = CompletionForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                entries.lot_record_completion(actor=request.user, lot_id=lot.pk, completed_on=form.cleaned_data["completed_on"],
                                              evidence=form.cleaned_data["evidence"], files=form.cleaned_data["files"])
                messages.success(request, _("Completion recorded: the lot is now available."))
                return redirect("reserve:lot-detail", pk=lot.pk)
            except ValidationError as exc:
                _apply_service_errors(form, exc)
    movements = []
    if is_city_staff(request.user):
        movements = lot.movements.select_related("transaction", "from_account__organisation",
                                                 "to_account__organisation").order_by("transaction__sequence")
    return render(request, "reserve/lot_detail.html", {
        "lot": lot, "form": form, "movements": movements, "timeline": timeline(lot),
        "holdings": lot.holdings.select_related("account__organisation").filter(quantity__gt=0),
        "evidence": attachments_of(lot),
    })


@login_required
def ledger_list(request):
    require(is_city_staff(request.user), _("The ledger is kept by the city bureau."))
    qs = scope(request.user, LedgerTransaction.objects.prefetch_related(
        "movements__lot__pollutant", "movements__from_account__organisation", "movements__to_account__organisation"
    )).order_by("-sequence")
    if request.GET.get("kind"):
        qs = qs.filter(kind=request.GET["kind"])
    from .models import TransactionKind

    return render(request, "reserve/ledger.html", {"page": _page(request, qs), "kinds": TransactionKind.choices,
                                                   "head": LedgerHead.objects.filter(pk=1).first()})



