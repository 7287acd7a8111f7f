"""Permit-change obligations (Art 17): created when a transfer is approved, filed by the enterprise and confirmed by
a reviewer (steps of the workflow engine: trading/workflows.py; their effects are here), reminded at 10, 5 and 1
working days before the due date and on the first overdue day, and recomputed when the official calendar of a year
is entered."""
from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry.audit.services import record, snapshot
from quota_registry.files.services import attachments_add
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import Role, User
from quota_registry.workdays import Calendars, WorkdayCalendar

from .models import REMINDER_THRESHOLDS, ObligationReminder, ObligationStatus, PermitChangeObligation, ReminderKind


def _enterprise_users(org):
    return User.objects.filter(organisation=org, role=Role.ENTERPRISE_USER, is_active=True)


def _county_users(region):
    return User.objects.filter(organisation__region=region, role=Role.COUNTY_REVIEWER, is_active=True)


def obligations_of(origin):
    """The obligations an approved withdrawal or a confirmed trade gave rise to."""
    return PermitChangeObligation.objects.filter(origin_type=ContentType.objects.get_for_model(origin),
                                                 origin_id=origin.pk)


def obligation_create(*, enterprise, region, origin, transferred: list[dict], destination: str,
                      measure_completed_on: datetime.date, approved_on: datetime.date, working_days: int,
                      calendar: WorkdayCalendar | None = None) -> PermitChangeObligation:
    """Art 17: the transferor's obligation to change its permit, once per enterprise and origin (the record that
    transferred its reduction: a withdrawal, a trade; None only for records entered by hand). Called inside the
    approving transaction; tells the enterprise after commit. Asked again, it returns the one that exists."""
    if origin is not None:
        existing = obligations_of(origin).filter(enterprise=enterprise).first()
        if existing is not None:
            return existing
    base = max(measure_completed_on, approved_on)
    deadline = (calendar or WorkdayCalendar.load(city=region)).add_working_days(base, working_days)
    obligation = PermitChangeObligation.objects.create(
        enterprise=enterprise, region=region, transferred=transferred, destination=destination,
        origin_type=ContentType.objects.get_for_model(origin) if origin is not None else None,
        origin_id=getattr(origin, "pk", None), origin_label=getattr(origin, "number", "")[:30],
        measure_completed_on=measure_completed_on, approved_on=approved_on, base_date=base, working_days=working_days,
        due_date=deadline.date, provisional=deadline.provisional)
    record(actor=None, action="obligation.create", obj=obligation, after=snapshot(obligation))
    notify(recipients=_enterprise_users(enterprise), subject=_("Apply to change your discharge permit by %(date)s") % {
        "date": f"{deadline.date:%Y-%m-%d}"}, body=_(
        "Your reduction was transferred to %(destination)s. Apply to change your pollutant discharge permit within "
        "%(days)s working days (Art 17).") % {"destination": destination, "days": working_days},
        link=reverse("trading:obligation-detail", args=[obligation.pk]))
    return obligation


def file(ctx) -> None:
    """The effect of the enterprise's "file" step: its permit-change application (or the receipt) is kept with the
    obligation, with the note; the county is told (the step's notify)."""
    obligation = ctx.record
    attachments_add(actor=ctx.actor, owner=obligation, files=ctx.values["files"], purpose=_("permit-change application"),
                    organisation=obligation.enterprise, region=obligation.region)
    obligation.filed_at, obligation.filed_by, obligation.filing_note = timezone.now(), ctx.actor, ctx.values["note"]
    obligation.save(update_fields=["filed_at", "filed_by", "filing_note"])


CONFIRM_FIELDS = ["permit_number", "permit_version", "recorded_measure", "recorded_reduction", "recorded_transfer"]


def confirm(ctx) -> None:
    """The effect of a reviewer's "confirm" step: what the changed permit records (number/version, measure,
    reduction, the amount transferred and where it went)."""
    obligation = ctx.record
    for name in CONFIRM_FIELDS:
        setattr(obligation, name, ctx.values[name])
    obligation.confirmed_at, obligation.confirmed_by = timezone.now(), ctx.actor
    obligation.save(update_fields=[*CONFIRM_FIELDS, "confirmed_at", "confirmed_by"])


def transfer_summary(obligation) -> str:
    """What a reviewer is offered to copy into the permit: the quantities (factor names, units) and where they went."""
    from accounting.quantities import show
    from quota_registry.reference.models import Pollutant

    names = dict(Pollutant.objects.values_list("code", "name"))
    return "；".join(f"{names.get(t['pollutant'], t['pollutant'])} {show(t['quantity'], t['unit'])}"
                    for t in obligation.transferred) + f" → {obligation.destination}"


def filed_recipients(ctx) -> list:
    return list(_county_users(ctx.record.region))


def confirmed_recipients(ctx) -> list:
    return list(_enterprise_users(ctx.record.enterprise))


def recompute_provisional(*, actor=None, city_id=None, day=None) -> int:
    """After a year's official calendar is entered: recompute every provisional due date; after a city enters one
    of its own days (`city_id`, `day`): the due dates of its open obligations counted from before that day. Returns
    how many moved; each change is audited and the enterprise told."""
    from quota_registry import jurisdiction

    calendars = Calendars()
    moved = 0
    if day is None:
        affected = PermitChangeObligation.objects.filter(provisional=True)
    else:
        affected = PermitChangeObligation.objects.exclude(status=ObligationStatus.CONFIRMED).filter(
            region__in=jurisdiction.city_region_ids(city_id), base_date__lt=day)
    for pk in affected.values_list("pk", flat=True):
        with transaction.atomic():
            obligation = PermitChangeObligation.objects.select_for_update().get(pk=pk)
            calendar = calendars.of(obligation.region_id)
            deadline = calendar.add_working_days(obligation.base_date, obligation.working_days)
            if (deadline.date, deadline.provisional) == (obligation.due_date, obligation.provisional):
                continue
            before = snapshot(obligation, ["due_date", "provisional"])
            obligation.due_date, obligation.provisional = deadline.date, deadline.provisional
            obligation.save(update_fields=["due_date", "provisional"])
            record(actor=actor, action="obligation.recompute", obj=obligation, before=before,
                   after=snapshot(obligation, ["due_date", "provisional"]))
            if before["due_date"] != obligation.due_date.isoformat():
                notify(recipients=_enterprise_users(obligation.enterprise), subject=_(
                    "Your permit-change due date is now %(date)s") % {"date": f"{obligation.due_date:%Y-%m-%d}"},
                    link=reverse("trading:obligation-detail", args=[obligation.pk]))
                moved += 1
    return moved


def _reminder_text(obligation, kind, remaining):
    if kind == ReminderKind.OVERDUE:
        return (_("Overdue: the permit change of %(enterprise)s was due on %(date)s") % {
            "enterprise": obligation.enterprise.name, "date": f"{obligation.due_date:%Y-%m-%d}"},
            _("The period of %(days)s working days (Art 17) has passed. Apply to change the permit now.") % {
                "days": obligation.working_days})
    return (_("Reminder: %(n)s working day(s) left to apply for your permit change (due %(date)s)") % {
        "n": remaining, "date": f"{obligation.due_date:%Y-%m-%d}"},
        _("Apply to change your pollutant discharge permit before %(date)s (Art 17).") % {
            "date": f"{obligation.due_date:%Y-%m-%d}"})


def send_reminders(*, today: datetime.date | None = None) -> dict:
    """The daily job. Each obligation gets each reminder at most once (a unique row per kind): running the
    job twice, or again after a crash, sends nothing twice. When the job did not run on the day a
    reminder fell due, the most urgent one still applicable is sent and the earlier ones are skipped."""
    today = today or timezone.localdate()
    calendars = Calendars()
    sent = {k: 0 for k in ReminderKind.values}
    pending = PermitChangeObligation.objects.exclude(status=ObligationStatus.CONFIRMED).filter(
        due_date__lte=today + datetime.timedelta(days=30)).values_list("pk", flat=True)
    for pk in pending:
        with transaction.atomic():
            obligation = PermitChangeObligation.objects.select_for_update().select_related("enterprise").get(pk=pk)
            done = set(obligation.reminders.values_list("kind", flat=True))
            if obligation.is_overdue(today):
                due_kind, remaining = ReminderKind.OVERDUE, 0
            else:
                remaining = calendars.of(obligation.region_id).working_days_between(today, obligation.due_date)
                due_kind = next((k for k, n in REMINDER_THRESHOLDS if remaining <= n), None)
            if due_kind is None or due_kind in done:
                continue
            order = [k for k, _n in reversed(REMINDER_THRESHOLDS)] + [ReminderKind.OVERDUE]
            try:
                with transaction.atomic():
                    for earlier in order[:order.index(due_kind)]:
                        if earlier not in done:
                            ObligationReminder.objects.create(obligation=obligation, kind=earlier, sent_on=today,
                                                              skipped=True)
                    ObligationReminder.objects.create(obligation=obligation, kind=due_kind, sent_on=today)
            except IntegrityError:
                continue  # another run sent it meanwhile
            subject, body = _reminder_text(obligation, due_kind, remaining)
            recipients = list(_enterprise_users(obligation.enterprise))
            if due_kind == ReminderKind.OVERDUE:
                recipients += list(_county_users(obligation.region))
            notify(recipients=recipients, subject=subject, body=body,
                   link=reverse("trading:obligation-detail", args=[obligation.pk]))
            sent[due_kind] += 1
    return sent
