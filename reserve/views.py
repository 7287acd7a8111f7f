"""Pages of the pool: entry applications (my applications, inboxes, form, detail with decisions), the
pool overview, lots and the ledger. Reads go through scope/selectors, writes through services."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from accounting import reduction, rulesets
from accounting.quantities import QuantityError
from ledger import selectors as ledger_reads
from ledger.models import AccountKind, Holding, LedgerHead, Lot, LotStatus
from quota_registry import inputs, jurisdiction
from quota_registry.access import get_scoped_or_404, scope
from quota_registry.documents.services import latest_documents
from quota_registry.files.services import KeptUploads, attachments_of
from quota_registry.inputs import FACTOR_ROWS
from quota_registry.orgs.models import CITY_ROLES, Restriction, RestrictionKind, RestrictionStatus, Role
from quota_registry.permissions import is_city_staff, require
from quota_registry.portal.history import history
from quota_registry.portal.views import _page
from quota_registry.reference.models import Pollutant, PollutantCategory, Region, RegionLevel
from quota_registry.review import engine, pages
from quota_registry.review.engine import decisions_of
from quota_registry.review.models import Action, Status
from quota_registry.review.services import is_applicant
from trading.services import obligations_of

from . import entries, selectors, withdrawals
from .forms import (
    AllocationFormSet,
    EntryApplicationForm,
    EntryFilterForm,
    EntryItemFormSet,
    PlanMeasureFormSet,
    PrecheckItemFormSet,
    ProjectForm,
    WithdrawalForm,
    WithdrawalItemFormSet,
)
from .models import Allocation, CityTransfer, EntryApplication, WithdrawalApplication


def application_list(request, model, template, *, search, can_file, extra_filters=()):
    """The list page of an application kind: enterprises see theirs, reviewers their inbox (oldest
    waiting first) or, with ?all=1, everything in their area; filters and pagination."""
    user = request.user
    qs = scope(user, model.objects.select_related("applicant", "region")).prefetch_related("items__pollutant")
    inbox_states = engine.inbox_states(model, user.role)
    inbox = bool(inbox_states) and request.GET.get("all") != "1"
    form = EntryFilterForm(request.GET or None)
    for name in [f for f in ("source_kind",) if f not in extra_filters]:
        form.fields.pop(name)
    if inbox:
        qs = qs.filter(status__in=inbox_states).order_by("submitted_at", "id")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            query = Q()
            for field in search:
                query |= Q(**{f"{field}__icontains": data["q"]})
            qs = qs.filter(query)
        if data["status"] and not inbox:
            qs = qs.filter(status=data["status"])
        for name in extra_filters:
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
    return render(request, template, {
        "page": _page(request, qs), "form": form, "inbox": inbox, "has_inbox": bool(inbox_states),
        "can_file": can_file, "now": timezone.now(),
    })


@login_required
def entry_list(request):
    return application_list(request, EntryApplication, "reserve/entry_list.html",
                            search=("number", "applicant__name"), extra_filters=("source_kind",),
                            can_file=request.user.role in (Role.ENTERPRISE_USER, Role.COUNTY_REVIEWER))


def _returnable_lots(actor, enterprise):
    if enterprise is None:
        return None
    held = Holding.objects.filter(account__kind=AccountKind.ENTERPRISE, account__organisation=enterprise, quantity__gt=0)
    return scope(actor, ledger_reads.lots(actor)).filter(pk__in=held.values("lot"))


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
        if not is_applicant(user, instance):
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
    kept = KeptUploads(request, "evidence")
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):  # every problem shown at once
        items = [p for p in (f.payload() for f in formset.forms) if p]
        if "compute" in request.POST:
            _compute_preview(formset)
        else:
            fields = {name: form.cleaned_data[name] for name in entries.APPLICATION_FIELDS if name in form.cleaned_data}
            files = kept.files(form.cleaned_data["evidence"])
            try:
                if instance is None:
                    application = entries.entry_create(actor=user, data=fields, items=items,
                                                       enterprise=form.cleaned_data.get("enterprise"), files=files)
                    messages.success(request, _("Draft %(number)s saved. Check it, then submit it.") % {
                        "number": application.number})
                else:
                    application = entries.entry_update(actor=user, pk=instance.pk, data=fields, items=items)
                    if files:
                        entries.entry_add_evidence(actor=user, pk=instance.pk, files=files)
                    messages.success(request, _("Changes saved."))
                kept.clear()
                return redirect("reserve:entry-detail", pk=application.pk)
            except ValidationError as exc:
                _map_item_errors(form, formset, exc)
    if request.method == "POST":  # the form is shown again: the files chosen stay chosen
        kept.keep(getattr(form, "cleaned_data", {}).get("evidence"))
    form.fields["evidence"].kept = kept.kept
    heavy_metals = " ".join(Pollutant.objects.filter(category=PollutantCategory.HEAVY_METAL).values_list("code", flat=True))
    return render(request, "reserve/entry_form.html", {"form": form, "formset": formset, "application": instance,
                                                       "heavy_metals": heavy_metals, **_edit_context(instance)})


def log_verify(request):
    """Public: verify one ledger transaction in the browser against the signed log (static/js/portal.js does the
    hashing and the Ed25519 check with the browser's own Web Crypto; the server only serves the data)."""
    raw = request.GET.get("transaction", "")
    sequence = inputs.record_id(raw, digits=11)
    return render(request, "reserve/log_verify.html", {"sequence": sequence})


def guide(request, kind):
    """The service guide (办事指南) of a procedure: public, linked from its form."""
    from django.http import Http404

    from .guides import GUIDES

    if kind not in GUIDES:
        raise Http404
    return render(request, "reserve/guide.html", {"guide": GUIDES[kind], "guides": GUIDES.values()})


def _edit_context(instance) -> dict:
    """What the edit page of a returned application shows above the form: why it was returned (the latest return's
    opinion, by whom and when) and the files already given."""
    if instance is None:
        return {}
    returned = next((d for d in reversed(list(decisions_of(instance))) if d.action == Action.RETURN), None)
    return {"returned": returned if instance.status == Status.RETURNED else None,
            "given_files": attachments_of(instance).filter(superseded=False)}


def application_page(user, application, *, act_name: str, edit_name: str) -> dict:
    """What every application's page shows besides its own fields: the workflow block (decisions, the steps the
    viewer may take, four-eyes waiting; quota_registry/review/pages.py), the documents and the change history."""
    pk = application.pk
    return {
        **pages.workflow_context(user, application, act_url=reverse(act_name, args=[pk])),
        "timeline": history(application, technical=user.is_city_staff), "documents": latest_documents(application),
        "can_edit": application.is_editable and is_applicant(user, application),
        "edit_url": reverse(edit_name, args=[pk]),
    }


@login_required
def entry_detail(request, pk):
    user = request.user
    application = get_scoped_or_404(user, EntryApplication.objects.select_related("applicant", "region", "watershed",
                                                                                   "applicant__industry"), pk=pk)
    items = application.items.select_related("pollutant", "lot", "returned_lot")
    discrepancies = []
    if application.status == Status.REVOKED:
        discrepancies = [(item.lot, entries.lot_discrepancy(item.lot)) for item in items if hasattr(item, "lot")]
    return render(request, "reserve/entry_detail.html", {
        "application": application, "items": items, "evidence": attachments_of(application),
        "discrepancies": discrepancies, "non_creditable": reduction.non_creditable(application.non_creditable_causes),
        "evidence_dates": [(label, application.evidence_dates[code], code == application.completion_evidence)
                           for code, label in reduction.COMPLETION_EVIDENCE if application.evidence_dates.get(code)],
        **application_page(user, application, act_name="reserve:entry-act", edit_name="reserve:entry-edit"),
    })


entry_act = pages.act_view(EntryApplication, "reserve:entry-detail")


def _staff(user):
    require(user.role in CITY_ROLES or user.role == Role.COUNTY_REVIEWER, _("The pool overview is for bureau staff."))


@login_required
def pool_overview(request):
    _staff(request.user)
    return render(request, "reserve/pool.html", selectors.pool_overview(request.user))


@login_required
def lot_list(request):
    qs = ledger_reads.lots(request.user)
    for key in ("pollutant", "region"):
        if request.GET.get(key):
            qs = qs.filter(**{f"{key}__code": request.GET[key]})
    if request.GET.get("status"):
        qs = qs.filter(status=request.GET["status"])
    regions = [*jurisdiction.counties(request.user), *ledger_reads.received_counties(request.user)]
    filtered = any(request.GET.get(key) for key in ("pollutant", "region"))
    count = None if filtered else ledger_reads.lot_count(request.user, status=request.GET.get("status", ""))
    return render(request, "reserve/lot_list.html", {
        "page": _page(request, qs.order_by("valid_until", "id"), count=count), "statuses": LotStatus.choices,
        "pollutants": Pollutant.objects.all(), "regions": regions,
    })


@login_required
def lot_detail(request, pk):
    lot = get_scoped_or_404(request.user, ledger_reads.lots(request.user), pk=pk)
    movements, cities = [], ledger_reads.ledger_cities(request.user)  # another city's enterprises are not named
    if is_city_staff(request.user):
        movements = [(m, ledger_reads.account_shown(m.from_account, cities=cities),
                      ledger_reads.account_shown(m.to_account, cities=cities)) for m in lot.movements.select_related(
            "transaction", *(f"{side}_account__{name}" for side in ("from", "to") for name in ledger_reads.ACCOUNT_NAMES)
        ).order_by("transaction__sequence")]
    holdings = lot.holdings.select_related("account__organisation").filter(quantity__gt=0)
    return render(request, "reserve/lot_detail.html", {
        "lot": lot, "movements": movements, "timeline": history(lot, technical=request.user.is_city_staff),
        **pages.workflow_context(request.user, lot, act_url=reverse("reserve:lot-act", args=[pk])),
        "holdings": [(h, ledger_reads.account_shown(h.account, cities=cities)) for h in holdings],
        "evidence": attachments_of(lot),
        # a lot received from another city: its entry application is that city's (named, not linked)
        "entry_linked": hasattr(lot, "entry_item") and scope(request.user, EntryApplication).filter(
            pk=lot.entry_item.application_id).exists(),
    })


lot_act = pages.act_view(Lot, "reserve:lot-detail")


@login_required
def ledger_list(request):
    require(is_city_staff(request.user), _("The ledger is kept by the city bureau."))
    from ledger.models import LedgerTransaction, TransactionKind

    qs = scope(request.user, LedgerTransaction.objects.select_related("reverses")).order_by("-sequence")
    if request.GET.get("kind"):
        qs = qs.filter(kind=request.GET["kind"])
    page = _page(request, qs, paginator=ledger_reads.LedgerPaginator)
    return render(request, "reserve/ledger.html", {
        "page": page, "lines": ledger_reads.movement_lines((t.pk for t in page.object_list),
                                                          cities=ledger_reads.ledger_cities(request.user)),
        "kinds": TransactionKind.choices, "head": LedgerHead.objects.filter(pk=1).first()})





def precheck(request):
    """Public: describe a planned project and see, per factor, ratio, requirement, reason and availability."""
    form = ProjectForm(request.POST or None)
    items = PrecheckItemFormSet(request.POST or None, prefix="items")
    result = project = carry = None
    if request.method == "POST" and all([form.is_valid(), items.is_valid()]):  # every problem shown at once
        data = form.cleaned_data
        rows = [p for p in (f.payload() for f in items.forms) if p]
        try:
            project, result = withdrawals.precheck(
                region_code=data["region"].code, industry_code=data["industry"].code,
                watershed_code=data["watershed"].code if data["watershed"] else None, items=rows,
                **{k: data[k] for k in PRECHECK_FLAGS + ("stack_height_m",)})
            carry = _precheck_carry(data, rows)
        except ValidationError as exc:
            _map_item_errors(form, items, exc)
    return render(request, "reserve/precheck.html", {"form": form, "items": items, "result": result,
                                                     "project": project, "carry": carry})


PRECHECK_FLAGS = ("major_project", "two_high", "clean_energy", "relocation", "captive_power", "chp_heating",
                  "central_heating")


def _precheck_carry(data, rows) -> str:
    """The pre-check's project and figures as the query string of a new withdrawal application (carried over)."""
    from urllib.parse import urlencode

    query = [("region", data["region"].pk), ("industry", data["industry"].pk)]
    if data["watershed"]:
        query.append(("watershed", data["watershed"].pk))
    query += [(k, "1") for k in PRECHECK_FLAGS if data[k]]
    if data["stack_height_m"] is not None:
        query.append(("stack_height_m", data["stack_height_m"]))
    query += [("item", f"{r['pollutant'].code}:{r['new_emission']}") for r in rows]
    return urlencode(query)


def _carried(query) -> tuple[dict, list | None]:
    """A new withdrawal's initial values from a pre-check (`_precheck_carry`); what does not parse is left out."""
    initial = {}
    for name in ("region", "industry", "watershed"):
        if query.get(name, "").isdigit():
            initial[name] = int(query[name])
    initial.update({k: True for k in PRECHECK_FLAGS if query.get(k) == "1"})
    if query.get("stack_height_m"):
        initial["stack_height_m"] = query["stack_height_m"][:10]  # shown as given; checked when the form is saved
    items = []
    for value in query.getlist("item")[:FACTOR_ROWS]:
        code, _sep, quantity = value.partition(":")
        items.append({"pollutant": code[:10], "new_emission": quantity[:30]})
    return initial, items or None


@login_required
def withdrawal_list(request):
    return application_list(request, WithdrawalApplication, "reserve/withdrawal_list.html",
                            search=("number", "applicant__name", "project_name"),
                            can_file=request.user.role == Role.ENTERPRISE_USER)


def _candidate_lots(user):
    """Lots an applicant may pick from: complete, valid, with quantity in its city's pool (eligibility is checked
    by the service against the project)."""
    from ledger.models import Lot

    in_pool = Holding.objects.filter(account__kind=AccountKind.POOL, account__city_id=user.city_id,
                                     quantity__gt=0).values("lot")
    return Lot.objects.filter(pk__in=in_pool, status=LotStatus.ACTIVE, valid_until__gte=timezone.localdate()).select_related(
        "pollutant", "region", "industry").order_by("pollutant__sort_order", "valid_until")


@login_required
def withdrawal_edit(request, pk=None):
    user = request.user
    require(user.role == Role.ENTERPRISE_USER, _("Withdrawal applications are filed by the enterprise building the project."))
    instance = None
    if pk:
        instance = get_scoped_or_404(user, WithdrawalApplication, pk=pk)
        if not instance.is_editable:
            messages.error(request, _("This application can no longer be changed."))
            return redirect("reserve:withdrawal-detail", pk=pk)
    data = request.POST if request.method == "POST" else None
    initial = {"region": user.organisation.region, "industry": user.organisation.industry}
    item_initial = alloc_initial = plan_initial = None
    if instance is None and not data and "item" in request.GET:  # from the pre-check: nothing typed twice
        carried, item_initial = _carried(request.GET)
        initial.update(carried)
    if instance and not data:
        initial = {f: getattr(instance, f) for f in withdrawals.PROJECT_FIELDS if hasattr(instance, f)}
        initial["region"] = instance.region
        item_initial = [{"pollutant": i.pollutant, "new_emission": i.new_emission,
                         "dismantled": i.own_replacement or None, "reused": i.reused or None}
                        for i in instance.items.all()]
        alloc_initial = [{"lot": a.lot, "quantity": a.quantity} for a in
                         Allocation.objects.filter(item__application=instance, chosen_by_applicant=True)]
        plan_initial = [{k: getattr(m, k) for k in ("pollutant", "quantity", "source", "measure", "responsible_party",
                                                    "deadline", "by_government")} for m in instance.plan_measures.all()]
    form = WithdrawalForm(data, request.FILES or None, initial=initial)
    items = WithdrawalItemFormSet(data, initial=item_initial, prefix="items")
    allocations = AllocationFormSet(data, initial=alloc_initial, prefix="alloc", form_kwargs={"lots": _candidate_lots(user)})
    plan = PlanMeasureFormSet(data, initial=plan_initial, prefix="plan")
    kept = {name: KeptUploads(request, name) for name in ("evidence", "commitment")}
    if request.method == "POST" and all([f.is_valid() for f in (form, items, allocations, plan)]):  # all problems at once
        fields = {k: form.cleaned_data[k] for k in withdrawals.PROJECT_FIELDS if k in form.cleaned_data}
        item_rows = [p for p in (f.payload() for f in items.forms) if p]
        alloc_rows = [p for p in (f.payload() for f in allocations.forms) if p]
        plan_rows = [p for p in (f.payload() for f in plan.forms) if p]
        try:
            with transaction.atomic():
                evidence = kept["evidence"].files(form.cleaned_data["evidence"])
                commitment = kept["commitment"].files([form.cleaned_data["commitment"]]
                                                      if form.cleaned_data.get("commitment") else [])
                if instance is None:
                    application = withdrawals.withdrawal_create(
                        actor=user, data=fields, items=item_rows, region=form.cleaned_data["region"],
                        allocations=alloc_rows, plan=plan_rows, files=evidence)
                else:
                    application = withdrawals.withdrawal_update(actor=user, pk=instance.pk, data=fields, items=item_rows,
                                                                allocations=alloc_rows, plan=plan_rows)
                    if evidence:
                        withdrawals.withdrawal_add_evidence(actor=user, pk=application.pk, files=evidence)
                if commitment:
                    withdrawals.withdrawal_add_evidence(actor=user, pk=application.pk, files=commitment,
                                                        purpose=withdrawals.COMMITMENT)
            for k in kept.values():
                k.clear()
            messages.success(request, _("Draft %(number)s saved. Check the ratios, then submit it.") % {
                "number": application.number})
            return redirect("reserve:withdrawal-detail", pk=application.pk)
        except ValidationError as exc:
            _map_item_errors(form, items, exc)
    if request.method == "POST":  # the form is shown again: the files chosen stay chosen
        cleaned = getattr(form, "cleaned_data", {})
        kept["evidence"].keep(cleaned.get("evidence"))
        kept["commitment"].keep([cleaned["commitment"]] if cleaned.get("commitment") else [])
    for name, k in kept.items():
        form.fields[name].kept = k.kept
    return render(request, "reserve/withdrawal_form.html", {"form": form, "items": items, "allocations": allocations,
                                                            "plan": plan, "application": instance,
                                                            **_edit_context(instance)})


@login_required
def withdrawal_detail(request, pk):
    user = request.user
    application = get_scoped_or_404(user, WithdrawalApplication.objects.select_related(
        "applicant", "region", "industry", "watershed"), pk=pk)
    items = application.items.select_related("pollutant").prefetch_related("allocations__lot__region",
                                                                            "allocations__lot__industry")
    return render(request, "reserve/withdrawal_detail.html", {
        "application": application, "items": items, "plan": application.plan_measures.select_related("pollutant"),
        "evidence": attachments_of(application), "commitment_purpose": withdrawals.COMMITMENT,
        "rule_set_name": dict(rulesets.available()).get(application.rule_set, application.rule_set),
        "obligations": scope(user, obligations_of(application).select_related("enterprise")),
        **application_page(user, application, act_name="reserve:withdrawal-act", edit_name="reserve:withdrawal-edit"),
    })


withdrawal_act = pages.act_view(WithdrawalApplication, "reserve:withdrawal-detail")


def _public_tables(summary) -> dict:
    """The factor x county table and the charts' data, from the ledger summary: every city's counties (the published
    ledger is the province's, each county's quota in every city's pool), the main city's first, the others named
    with their city."""
    main = jurisdiction.main_city_id()
    counties = sorted(Region.objects.filter(level="county").select_related("parent"),
                      key=lambda c: (c.parent_id != main, c.parent.sort_order if c.parent_id else 0, c.sort_order))
    for county in counties:
        county.city_name = county.parent.name if county.parent_id and county.parent_id != main else ""
    by_factor = {}
    for row in summary["balances"]:
        by_factor.setdefault(row["pollutant"], {"name": row["pollutant_name"], "unit": row["unit"], "cells": {}})
        by_factor[row["pollutant"]]["cells"][row["region"]] = row
    table = [(code, data["name"], data["unit"], [data["cells"].get(c.code) for c in counties])
             for code, data in by_factor.items()]
    chart = {"counties": [c.name for c in counties], "codes": [c.code for c in counties],
             "factors": [{"code": code, "name": f"{name}（{unit}）",
                          "available": [str((cells[i] or {}).get("available", 0)) for i in range(len(counties))],
                          "held": [str((cells[i] or {}).get("held", 0)) for i in range(len(counties))]}
                         for code, name, unit, cells in table],
             "monthly": [{**m, "entered": str(m["entered"]), "withdrawn": str(m["withdrawn"])}
                         for m in summary["monthly"]],
             "labels": {"available": _("available"), "held": _("held"), "entered": _("entered"),
                        "withdrawn": _("withdrawn")}}
    return {"counties": counties, "table": table, "chart": chart}


def public_ledger(request):
    """Art 24: the published ledger, for anyone, logged in or not. The content is rendered once per
    `public.page_version()` and cached: everything below is read only when the cache does not have it."""
    from accounting.trading import deviation_percent

    from . import public

    version = public.page_version()
    summary = SimpleLazyObject(lambda: public.ledger_summary(version))
    return render(request, "reserve/public_ledger.html", {
        "version": version, "cache_seconds": public.CACHE_SECONDS, "summary": summary, "howto": public.VERIFY_HOWTO,
        "ledger": SimpleLazyObject(lambda: _public_tables(summary)),
        "movements": SimpleLazyObject(lambda: list(public.recent_movements(20))),
        "deals": SimpleLazyObject(lambda: list(public.published_deals(20))),
        "prices": SimpleLazyObject(lambda: list(public.current_prices())),
        "trades": SimpleLazyObject(lambda: [(d, deviation_percent(d.unit_price, d.reference_price))
                                            for d in public.published_trades(20)]),
        "log_status": SimpleLazyObject(public.log_status),
    })


def public_lots(request):
    from . import public

    qs = public.public_lots()
    for key in ("pollutant", "region"):
        if request.GET.get(key):
            qs = qs.filter(**{f"{key}__code": request.GET[key]})
    return render(request, "reserve/public_lots.html", {
        "page": _page(request, qs), "pollutants": Pollutant.objects.all(), "regions": Region.objects.filter(level="county")})


@login_required
def reports(request):
    """City staff: the monthly and annual reports kept so far, and building one on demand."""
    from django import forms

    from quota_registry.documents.models import Document, DocumentKind
    from quota_registry.inputs import LabelledErrors

    from .reports import report_request

    require(is_city_staff(request.user))

    class ReportForm(LabelledErrors, forms.Form):
        year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
        month = forms.IntegerField(label=_("Month (empty: the whole year)"), min_value=1, max_value=12, required=False)
        fmt = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "Excel"), ("pdf", "PDF")])

    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        document = report_request(actor=request.user, year=form.cleaned_data["year"], month=form.cleaned_data["month"],
                                  fmt=form.cleaned_data["fmt"])
        return redirect("document-page", pk=document.pk)
    kept = Document.objects.filter(kind__in=[DocumentKind.MONTHLY_REPORT, DocumentKind.ANNUAL_REPORT]).order_by(
        "-requested_at")[:50]
    return render(request, "documents/reports.html", {"form": form, "documents": kept})


# --- the city's list (seed 001 guide Art 4, seed 003 Art 4; the trading gates) -----------------------------------

@login_required
def restriction_list(request):
    """City staff keep the list; a county sees its enterprises' entries and its own, an enterprise its own."""
    qs = scope(request.user, Restriction.objects.select_related("organisation", "region"))
    status = request.GET.get("status", RestrictionStatus.IN_FORCE)
    if status in RestrictionStatus.values:
        qs = qs.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in RestrictionKind.values:
        qs = qs.filter(kind=kind)
    return render(request, "reserve/restriction_list.html", {
        "page": _page(request, qs.order_by("-valid_from", "-id")), "status": status, "kind": kind,
        "statuses": RestrictionStatus.choices, "kinds": RestrictionKind.choices,
        "can_record": request.user.is_city_staff})


@login_required
def restriction_new(request):
    from quota_registry.orgs.services import restriction_create

    from .forms import RestrictionForm

    if not request.user.is_city_staff:
        raise PermissionDenied(_("The city's list is kept by the city bureau."))
    form = RestrictionForm(request.POST or None, user=request.user)
    done = pages.create_from_form(request, form, create=restriction_create, detail="reserve:restriction-detail",
                                  message=lambda entry: _("Entered on the city's list: %(entry)s.") % {"entry": entry})
    return done or render(request, "reserve/restriction_new.html", {"form": form})


@login_required
def restriction_detail(request, pk):
    entry = get_scoped_or_404(request.user, Restriction.objects.select_related("organisation", "region",
                                                                              "created_by"), pk=pk)
    return render(request, "reserve/restriction_detail.html", {
        "entry": entry, "evidence": [f for d in engine.decisions_of(entry) for f in attachments_of(d)],
        "timeline": history(entry, technical=request.user.is_city_staff),
        **pages.workflow_context(request.user, entry, act_url=reverse("reserve:restriction-act", args=[pk])),
    })


restriction_act = pages.act_view(Restriction, "reserve:restriction-detail")


# --- transfers between cities, the province's one-ledger (issue 19) -------------------------------------------------

@login_required
def transfer_list(request):
    """The transfers a city requested or is asked to give (its staff), every one (the province)."""
    from .models import TransferStatus

    qs = scope(request.user, CityTransfer.objects.select_related("from_city", "to_city", "region", "pollutant"))
    status = request.GET.get("status", "")
    if status in TransferStatus.values:
        qs = qs.filter(status=status)
    return render(request, "reserve/transfer_list.html", {
        "page": _page(request, qs), "status": status, "statuses": TransferStatus.choices,
        "can_request": request.user.is_city_staff, "can_arrange": request.user.is_province_staff})


@login_required
def transfer_new(request):
    from .forms import TransferForm
    from .transfers import transfer_create

    user = request.user
    if not (user.is_city_staff or user.is_province_staff):
        raise PermissionDenied(_("A transfer between cities is requested by the receiving city's bureau or arranged "
                                 "by the province."))
    form = TransferForm(request.POST or None, user=user)
    done = pages.create_from_form(
        request, form, create=lambda actor, **data: transfer_create(actor=actor, data=data),
        detail="reserve:transfer-detail",
        message=lambda t: (_("Transfer %(number)s arranged: both cities and the province's other reviewers are "
                             "told; it now awaits the decision of one of them (not yours: four-eyes).")
                           if user.is_province_staff else
                           _("Transfer %(number)s requested: it now awaits %(city)s.")) % {
            "number": t.number, "city": t.from_city.name})
    context = {"form": form, "by_province": user.is_province_staff}
    if user.is_province_staff:  # where the quota is: each city's pool, per factor, as the one-ledger shows it
        from . import province

        context.update(province.pool_balances())
    return done or render(request, "reserve/transfer_new.html", context)


@login_required
def transfer_detail(request, pk):
    transfer = get_scoped_or_404(request.user, CityTransfer.objects.select_related(
        "from_city", "to_city", "region", "watershed", "pollutant", "requested_by", "ledger_transaction"), pk=pk)
    return render(request, "reserve/transfer_detail.html", {
        "transfer": transfer, "progress": engine.progress(transfer),
        "movements": transfer.ledger_transaction.movements.select_related("lot") if transfer.ledger_transaction else [],
        "timeline": history(transfer, technical=True),
        **pages.workflow_context(request.user, transfer, act_url=reverse("reserve:transfer-act", args=[pk])),
    })


transfer_act = pages.act_view(CityTransfer, "reserve:transfer-detail")


def _one_ledger_context(request, *, city_ids=None) -> dict:
    from . import province

    found = province.page(year=request.GET.get("year"), month=request.GET.get("month", ""), city_ids=city_ids)
    return {**found, "reported": {c.name for c in found["reported"]}}


@login_required
def one_ledger(request):
    """The province's one-ledger (一本账): every city's pool, per factor, month by month; a city's staff see their
    city's rows."""
    user = request.user
    if not (user.is_province_staff or user.is_city_staff):
        raise PermissionDenied(_("The one-ledger is the province's and the cities' bureaus'."))
    city_ids = None if user.is_province_staff else [user.city_id]
    return render(request, "reserve/one_ledger.html", {**_one_ledger_context(request, city_ids=city_ids),
                                                        "public": False})


def public_one_ledger(request):
    """The province-wide public page: the one-ledger of every city, per factor and month; the province's page, named
    so in its header and footer (not the deployment's main city)."""
    province_name = Region.objects.filter(level=RegionLevel.PROVINCE).values_list("name", flat=True).first()
    return render(request, "reserve/one_ledger.html", {
        **_one_ledger_context(request), "public": True,
        **({"PORTAL_CITY_NAME": province_name, "province_page": True} if province_name else {})})
