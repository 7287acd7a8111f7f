"""The carbon side's writes and what they decide (seed 004; issue 20). The rules themselves are accounting.carbon's
(the 26,000 t CO2e threshold, the 5 % CCER cap, what is covered and the gap); the states of the list's entries and
of the reports are the engine's (carbon/workflows.py). Each refusal names the field and the figure."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import carbon
from ledger import services as ledger
from ledger.models import AccountKind, Holding, Lot, LotStatus, SourceKind, TransactionKind
from quota_registry import inputs
from quota_registry.audit.services import record, snapshot
from quota_registry.documents.models import DocumentKind
from quota_registry.documents.services import document_request
from quota_registry.files.services import attachments_add
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, OrganisationKind, Restriction, RestrictionKind, Role, User
from quota_registry.orgs.services import restriction_create
from quota_registry.reference.models import Pollutant
from quota_registry.review.services import next_number

from .models import Allowance, EmissionReport, KeyEmitter, ReportStatus, Surrender, UnitStatus

T = "t CO2e"
MAX_T = Decimal("100000000")  # 100 million t CO2e: above any single unit


def _t(value, field: str, label) -> Decimal:
    """A figure in t CO2e (or t of standard coal): not negative, at most MAX_T."""
    return inputs.check_quantity(value, field=field, label=label, unit=T, positive=False, maximum=MAX_T)


def _city_staff_of(actor, organisation) -> None:
    if getattr(actor, "role", None) not in CITY_ROLES or organisation.region_id not in actor.city_region_ids:
        raise PermissionDenied(_("The key emitters of a city are kept by its bureau."))


def deadline(year: int) -> datetime.date:
    """The day by which the allowances for `year`'s verified emissions are surrendered (PORTAL_CARBON_DEADLINE,
    month and day of the following year; the national market's: 31 December)."""
    month, day = (int(x) for x in settings.PORTAL_CARBON_DEADLINE.split("-"))
    return datetime.date(year + 1, month, day)


# --- the key emitters' list (seed 004 item 1) ---------------------------------------------------------------------

@transaction.atomic
def unit_list(*, actor, enterprise, year: int, emissions, reason: str, energy_tce=None) -> KeyEmitter:
    """List an enterprise whose annual emissions reach 26,000 t CO2e (or whose energy use reaches about 10,000 t of
    standard coal); refused below both, naming the threshold."""
    _city_staff_of(actor, enterprise)
    errors = {}
    if enterprise.kind != OrganisationKind.ENTERPRISE:
        errors["enterprise"] = _("Only an enterprise is listed.")
    elif KeyEmitter.objects.filter(enterprise=enterprise).exists():
        errors["enterprise"] = _("%(name)s is on the list already (a delisted unit is listed again from its page).") % {
            "name": enterprise.name}
    emissions = _t(emissions, "emissions", _("Annual emissions"))
    energy = _t(energy_tce, "energy_tce", _("Annual energy use")) if energy_tce not in (None, "") else None
    if not carbon.is_key_emitter(emissions) and not (energy is not None and energy >= carbon.KEY_EMITTER_TCE):
        errors["emissions"] = _("%(emissions)s t CO2e is below the 26,000 t CO2e (about 10,000 t of standard coal) that "
                                "lists a key emitter (seed 004 item 1).") % {"emissions": emissions}
    inputs.check_text(reason, field="reason", label=_("Basis of the listing"), limit=500, required=True)
    if errors:
        raise ValidationError(errors)
    unit = KeyEmitter.objects.create(enterprise=enterprise, region=enterprise.region, listed_year=year,
                                     basis_emissions=emissions, basis_energy_tce=energy, reason=reason.strip(),
                                     created_by=actor)
    record(actor=actor, action="keyemitter.create", obj=unit, after=snapshot(unit))
    notify(recipients=list(User.objects.filter(organisation=enterprise, role=Role.ENTERPRISE_USER, is_active=True)),
           subject=_("%(name)s is listed as a key emitter from %(year)s") % {"name": enterprise.name, "year": year},
           body=reason.strip(), link=unit.get_absolute_url(), about=unit)
    return unit


# --- annual reports (seed 004 items 1-2) --------------------------------------------------------------------------

@transaction.atomic
def report_create(*, actor, unit: KeyEmitter, year: int, reported_emissions, energy_tce, sources: str, basis: str,
                  files=()) -> EmissionReport:
    """The unit files a draft of a year's report (it submits it through the engine)."""
    if actor.role != Role.ENTERPRISE_USER or actor.organisation_id != unit.enterprise_id:
        raise PermissionDenied(_("A key emitter files its own report."))
    errors = {}
    this_year = timezone.localdate().year
    if unit.status != UnitStatus.LISTED:
        errors["unit"] = _("A delisted unit files no report.")
    if not (2013 <= year < this_year):
        errors["year"] = _("Report a past year (2013 to %(last)s).") % {"last": this_year - 1}
    elif EmissionReport.objects.filter(unit=unit, year=year).exists():
        errors["year"] = _("The report for %(year)s has been filed already.") % {"year": year}
    figures = {}
    for name, label in (("reported_emissions", _("Reported emissions")), ("energy_tce", _("Energy use"))):
        try:
            figures[name] = _t(reported_emissions if name == "reported_emissions" else energy_tce, name, label)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    errors.update(inputs.text_problems(("sources", sources, _("Emissions by source and facility"), 4000, True),
                                       ("basis", basis, _("Basis of calculation"), 500, True)))
    if errors:
        raise ValidationError(errors)
    files = files or ()
    report = EmissionReport.objects.create(unit=unit, region=unit.region, year=year, sources=sources.strip(),
                                           basis=basis.strip(), **figures)
    attachments_add(actor=actor, owner=report, files=files, purpose=_("Evidence of the emission report"),
                    organisation=unit.enterprise, region=unit.region)
    record(actor=actor, action="emissionreport.create", obj=report, after=snapshot(report))
    return report


def verifier_choices(report=None, actor=None) -> list[tuple[int, str]]:
    from quota_registry.orgs.models import Organisation

    return [(o.pk, o.name) for o in Organisation.objects.filter(kind=OrganisationKind.VERIFIER, is_active=True)]


def assign(ctx) -> None:
    report = ctx.record
    report.verifier_id = ctx.values["verifier"]
    report.save(update_fields=["verifier"])


def verified(ctx) -> None:
    """The verifier's figure and its data-quality findings (kept; a figure sent back is revised, the decisions keep
    each one)."""
    report = ctx.record
    report.verified_emissions = ctx.values["verified_emissions"]
    report.findings = ctx.values.get("findings", "")
    report.save(update_fields=["verified_emissions", "findings"])


def check_verified(actor, report, values) -> None:
    _t(values["verified_emissions"], "verified_emissions", _("Verified emissions"))


# --- allowances, surrenders, compliance (seed 004 item 4) ---------------------------------------------------------
# In the one ledger, apart from the pollutant pool (ledger/migrations/0015): an allocation is a lot in t CO2e issued
# from the outside world into the unit's carbon account; a surrender moves allowances from it into SURRENDERED, oldest
# first, and records what the unit surrendered beyond what it held (allowances acquired in the national market) and
# its CCER as lots issued and surrendered in the same transaction, each named by the national registry's record.

COMPLIANCE_TITLE = "碳排放配额清缴确认书"  # the printed confirmation of a covered year (carbon/documents.py)
LOT_PREFIX = {SourceKind.ALLOCATION: "TP", SourceKind.ACQUIRED: "TG", SourceKind.CCER: "CC"}


def _carbon_lot(unit: KeyEmitter, *, source_kind: str, quantity: Decimal, year: int) -> Lot:
    today = timezone.localdate()
    lot = Lot(number=next_number(LOT_PREFIX[source_kind], today=today, region=unit.region_id), quantity=quantity,
              pollutant=Pollutant.all_objects.get(code=Pollutant.CARBON), enterprise=unit.enterprise,
              region=unit.region, industry_id=unit.enterprise.industry_id, source_kind=source_kind,
              status=LotStatus.ACTIVE, verified_on=today, valid_until=deadline(year))
    lot.save()
    return lot


def carbon_account(unit: KeyEmitter):
    return ledger.account(AccountKind.CARBON, unit.enterprise)


def held(unit: KeyEmitter) -> Decimal:
    """The allowances the unit holds in the ledger (allocated, not yet surrendered)."""
    return (Holding.objects.filter(account__kind=AccountKind.CARBON, account__organisation_id=unit.enterprise_id)
            .aggregate(total=Sum("quantity"))["total"] or Decimal("0"))


@transaction.atomic
def allowance_record(*, actor, unit: KeyEmitter, year: int, quantity, source: str) -> Allowance:
    """The allowance the province allocated to the unit for `year`, as the bureau records it (once per year)."""
    _city_staff_of(actor, unit.enterprise)
    q = _t(quantity, "quantity", _("Allowance allocated"))
    inputs.check_text(source, field="source", label=_("Allocation document"), limit=200, required=True)
    if Allowance.objects.filter(unit=unit, year=year).exists():
        raise ValidationError({"year": _("The allowance for %(year)s has been recorded already.") % {"year": year}})
    allowance = Allowance.objects.create(unit=unit, region=unit.region, year=year, quantity=q, source=source.strip(),
                                         recorded_by=actor)
    if q > 0:
        allowance.lot = _carbon_lot(unit, source_kind=SourceKind.ALLOCATION, quantity=q, year=year)
        allowance.save(update_fields=["lot"])
        ledger.post(actor=actor, kind=TransactionKind.ALLOCATE, subject=allowance,
                    legs=[ledger.Leg(allowance.lot, ledger.account(AccountKind.SOURCE), carbon_account(unit), q)],
                    memo=_("Allowance for %(year)s allocated to %(unit)s: %(source)s") % {
                        "year": year, "unit": unit.enterprise.name, "source": allowance.source})
    record(actor=actor, action="allowance.create", obj=allowance, after=snapshot(allowance))
    return allowance


def position(unit: KeyEmitter, year: int, today: datetime.date | None = None) -> dict:
    """A unit's compliance for a year: the obligation (the verified emissions, once the bureau has reviewed the
    report), the allowance allocated, what was surrendered, the CCER cap, what is covered, the gap, the deadline and
    whether it has passed."""
    today = today or timezone.localdate()
    report = EmissionReport.objects.filter(unit=unit, year=year).first()
    obligation = report.verified_emissions if report is not None and report.status == ReportStatus.ACCEPTED else None
    allocated = Allowance.objects.filter(unit=unit, year=year).values_list("quantity", flat=True).first()
    done = Surrender.objects.filter(unit=unit, year=year).aggregate(a=Sum("allowances"), c=Sum("ccer"))
    surrendered, ccer = done["a"] or Decimal("0"), done["c"] or Decimal("0")
    due = deadline(year)
    result = {"year": year, "report": report, "obligation": obligation, "allocated": allocated,
              "allowances": surrendered, "ccer": ccer, "deadline": due, "compliance": None, "overdue": False}
    if obligation is not None:
        state = carbon.compliance(obligation=obligation, allowances=surrendered, ccer=min(ccer, carbon.ccer_cap(
            obligation)))
        result["compliance"] = state
        result["overdue"] = not state.compliant and today > due
    return result


@transaction.atomic
def surrender_record(*, actor, unit: KeyEmitter, year: int, allowances, ccer, registry_reference: str) -> Surrender:
    """The unit's surrender for `year` (its own, or recorded by the bureau from the national registry): refused
    before the verified figure counts, once compliant, and for CCER above 5 % of the obligation (counting what was
    surrendered before), with the figures."""
    own = actor.role == Role.ENTERPRISE_USER and actor.organisation_id == unit.enterprise_id
    if not own:
        _city_staff_of(actor, unit.enterprise)
    KeyEmitter.objects.select_for_update().get(pk=unit.pk)  # one surrender of a unit at a time
    a = _t(allowances or "0", "allowances", _("Allowances surrendered"))
    c = _t(ccer or "0", "ccer", _("CCER surrendered"))
    inputs.check_text(registry_reference, field="registry_reference", label=_("National registry record"), limit=100,
                      required=True)
    now = position(unit, year)
    if now["obligation"] is None:
        raise ValidationError({"year": _("The verified emissions for %(year)s do not count yet: the bureau has not "
                                         "reviewed the verification.") % {"year": year}})
    if now["compliance"].compliant:
        raise ValidationError({"year": _("The obligation for %(year)s is covered already.") % {"year": year}})
    if a + c <= 0:
        raise ValidationError({"allowances": _("Surrender more than zero.")})
    try:
        carbon.compliance(obligation=now["obligation"], allowances=now["allowances"] + a, ccer=now["ccer"] + c)
    except ValueError as exc:
        raise ValidationError({"ccer": str(exc)}) from exc
    surrender = Surrender.objects.create(unit=unit, region=unit.region, year=year, allowances=a, ccer=c,
                                         registry_reference=registry_reference.strip(), created_by=actor)
    surrender.transaction = _surrender_post(actor, unit, surrender)
    surrender.save(update_fields=["transaction"])
    if position(unit, year)["compliance"].compliant:  # the year is covered: its confirmation is printed
        report = now["report"]
        document_request(actor=actor, kind=DocumentKind.CARBON_COMPLIANCE, title=f"{COMPLIANCE_TITLE} {report}",
                         subject=report, organisation=unit.enterprise, region=report.region)
    record(actor=actor, action="surrender.create", obj=surrender, after=snapshot(surrender))
    return surrender


def _surrender_post(actor, unit: KeyEmitter, surrender: Surrender):
    """The surrender's one ledger transaction: the allowances held, oldest first; beyond them, allowances acquired in
    the national market; the CCER (the last two as lots issued and surrendered at once)."""
    account, sink = carbon_account(unit), ledger.account(AccountKind.SURRENDERED)
    legs, left = [], surrender.allowances
    for h in (Holding.objects.filter(account=account, quantity__gt=0).select_related("lot")
              .order_by("lot__valid_until", "lot_id")):
        if left <= 0:
            break
        take = min(h.quantity, left)
        legs.append(ledger.Leg(h.lot, account, sink, take))
        left -= take
    source = ledger.account(AccountKind.SOURCE)
    for kind, quantity in ((SourceKind.ACQUIRED, left), (SourceKind.CCER, surrender.ccer)):
        if quantity > 0:
            lot = _carbon_lot(unit, source_kind=kind, quantity=quantity, year=surrender.year)
            legs += [ledger.Leg(lot, source, account, quantity), ledger.Leg(lot, account, sink, quantity)]
    return ledger.post(actor=actor, kind=TransactionKind.SURRENDER, legs=legs, subject=surrender,
                       memo=_("Surrendered for %(year)s by %(unit)s (national registry %(ref)s)") % {
                           "year": surrender.year, "unit": unit.enterprise.name, "ref": surrender.registry_reference})


def mark_overdue(today: datetime.date | None = None) -> list[Restriction]:
    """The daily job: each listed unit whose deadline for a year has passed without its obligation covered gets one
    mark on the city's list (seed 004 item 5: 不及时足额履约 goes into its environmental credit record), with the
    year and the gap; the mark stops trading and bidding until the bureau lifts it."""
    today = today or timezone.localdate()
    marked = []
    for report in EmissionReport.objects.filter(status=ReportStatus.ACCEPTED).select_related("unit__enterprise"):
        if today <= deadline(report.year):
            continue
        state = position(report.unit, report.year, today)
        if not state["overdue"]:
            continue
        source = _("Carbon compliance %(year)s") % {"year": report.year}
        if Restriction.objects.filter(organisation=report.unit.enterprise, kind=RestrictionKind.CARBON_DEFAULT,
                                      source=source).exists():
            continue
        with transaction.atomic():
            marked.append(restriction_create(
                actor=None, kind=RestrictionKind.CARBON_DEFAULT, organisation=report.unit.enterprise, source=source,
                valid_from=today, reason=_("Did not surrender allowances for %(year)s in full by %(deadline)s: "
                                           "%(gap)s t CO2e still due (seed 004 items 4-5).") % {
                    "year": report.year, "deadline": f"{deadline(report.year):%Y-%m-%d}",
                    "gap": state["compliance"].gap}))
    return marked


def remind(today: datetime.date | None = None, days: int = 10) -> int:
    """The daily job: a unit whose obligation is not covered hears of it 10 working days and 1 working day before
    the deadline (China's calendar)."""
    from quota_registry.workdays import Calendars

    today = today or timezone.localdate()
    calendars, sent = Calendars(), 0
    for report in EmissionReport.objects.filter(status=ReportStatus.ACCEPTED).select_related("unit__enterprise"):
        calendar = calendars.of(report.region_id)  # the unit's city's
        if not calendar.is_working_day(today)[0]:
            continue  # on a working day only: a weekend before the deadline counts as many working days as the Friday
        due = deadline(report.year)
        if due < today or calendar.working_days_between(today, due) not in (days, 1):
            continue
        state = position(report.unit, report.year, today)
        if state["compliance"].compliant:
            continue
        notify(recipients=list(User.objects.filter(organisation=report.unit.enterprise, role=Role.ENTERPRISE_USER,
                                                   is_active=True)),
               subject=_("%(gap)s t CO2e of %(year)s still to surrender by %(deadline)s") % {
                   "gap": state["compliance"].gap, "year": report.year,
                   "deadline": f"{deadline(report.year):%Y-%m-%d}"},
               link=report.unit.get_absolute_url(), about=report.unit)
        sent += 1
    return sent


# --- third-party service organisations (seed 004 items 6-7) -------------------------------------------------------

@transaction.atomic
def provider_register(*, actor, name: str, credit_code: str, services: list[str], registered_on, address: str = "",
                      contact: str = "", organisation=None):
    """The bureau registers a service organisation working in its city."""
    from quota_registry.orgs.credit_code import validate_credit_code

    from .models import ServiceKind, ServiceProvider

    if getattr(actor, "role", None) not in CITY_ROLES:
        raise PermissionDenied(_("The register of service organisations is kept by the city bureau."))
    errors = inputs.text_problems(("name", name, _("Name"), 120, True), ("address", address, _("Address"), 200, False),
                                  ("contact", contact, _("Contact"), 100, False))
    try:
        validate_credit_code(credit_code or "")
    except ValidationError as exc:
        errors["credit_code"] = exc.messages[0]
    if not errors.get("credit_code") and ServiceProvider.objects.filter(credit_code=credit_code).exists():
        errors["credit_code"] = _("This organisation is registered already.")
    if not services or any(s not in ServiceKind.values for s in services):
        errors["services"] = _("Choose what the organisation does.")
    if registered_on is None:
        errors["registered_on"] = _("Give the day it was registered.")
    if errors:
        raise ValidationError(errors)
    provider = ServiceProvider.objects.create(
        name=name.strip(), credit_code=credit_code, city_id=actor.city_id, services=",".join(services),
        registered_on=registered_on, address=address.strip(), contact=contact.strip(), organisation=organisation,
        created_by=actor)
    record(actor=actor, action="serviceprovider.create", obj=provider, after=snapshot(provider))
    return provider


@transaction.atomic
def inspection_record(*, actor, provider, inspected_on, subject: str, findings: str, outcome: str):
    """An inspection of a service organisation of the actor's city; a violation is reported to the province (its
    reviewers are told)."""
    from .models import Inspection, InspectionOutcome

    if getattr(actor, "role", None) not in CITY_ROLES or provider.city_id != actor.city_id:
        raise PermissionDenied(_("The register of service organisations is kept by the city bureau."))
    errors = inputs.text_problems(("subject", subject, _("What was inspected"), 300, True),
                                  ("findings", findings, _("Findings"), 2000, True))
    if outcome not in InspectionOutcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if inspected_on is None or inspected_on > timezone.localdate():
        errors["inspected_on"] = _("Give the day of the inspection (not in the future).")
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(provider=provider, inspected_on=inspected_on, subject=subject.strip(),
                                           findings=findings.strip(), outcome=outcome, inspector=actor)
    record(actor=actor, action="inspection.create", obj=inspection, after=snapshot(inspection))
    if outcome == InspectionOutcome.VIOLATION:
        notify(recipients=list(User.objects.filter(role=Role.PROVINCE_REVIEWER, is_active=True)),
               subject=_("Violation by %(name)s found on inspection") % {"name": provider.name},
               body=findings.strip(), link=_provider_link(provider), about=provider)
    return inspection


def _provider_link(provider) -> str:
    from django.urls import reverse

    return reverse("carbon:provider", args=[provider.pk])
