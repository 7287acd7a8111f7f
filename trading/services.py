"""Permit-change obligations (Art 17): created when a transfer is approved, filed by the enterprise,
confirmed by a reviewer, reminded at 10, 5 and 1 working days before the due date and on the first
overdue day, and recomputed when the official calendar of a year is entered."""
from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry import inputs
from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import record, snapshot
from quota_registry.files.services import attachments_add
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, Role, User
from quota_registry.workdays import WorkdayCalendar

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
    deadline = (calendar or WorkdayCalendar.load()).add_working_days(base, working_days)
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


@transaction.atomic
def obligation_file(*, actor, pk: int, files, note: str = "") -> PermitChangeObligation:
    """The enterprise uploads its permit-change application."""
    obligation = get_scoped_or_404(actor, PermitChangeObligation.objects.select_for_update(), pk=pk)
    if actor.role != Role.ENTERPRISE_USER or actor.organisation_id != obligation.enterprise_id:
        raise PermissionDenied(_("Only the enterprise itself files its permit-change application."))
    if obligation.status == ObligationStatus.CONFIRMED:
        from quota_registry.review.services import TransitionNotAllowed

        raise TransitionNotAllowed(obligation.status, "file", label=obligation.get_status_display())
    if not files:
        raise ValidationError({"files": _("Upload the permit-change application (or its receipt).")})
    note = inputs.check_text(note, field="note", label=_("Note"), limit=inputs.NOTE)
    before = snapshot(obligation, ["status", "filed_at", "filing_note"])
    attachments_add(actor=actor, owner=obligation, files=files, purpose=_("permit-change application"),
                    organisation=obligation.enterprise, region=obligation.region)
    obligation.status, obligation.filed_at, obligation.filed_by = ObligationStatus.FILED, timezone.now(), actor
    obligation.filing_note = note
    obligation.save(update_fields=["status", "filed_at", "filed_by", "filing_note"])
    record(actor=actor, action="obligation.file", obj=obligation, before=before,
           after=snapshot(obligation, ["status", "filed_at", "filing_note"]))
    notify(recipients=_county_users(obligation.region), subject=_("%(enterprise)s applied to change its permit") % {
        "enterprise": obligation.enterprise.name}, link=reverse("trading:obligation-detail", args=[obligation.pk]))
    return obligation


CONFIRM_FIELDS = ["permit_number", "permit_version", "recorded_measure", "recorded_reduction", "recorded_transfer"]


@transaction.atomic
def obligation_confirm(*, actor, pk: int, **fields) -> PermitChangeObligation:
    """A county or city reviewer records the changed permit: number/version, measure, reduction, the amount
    transferred and where it went."""
    if actor.role not in CITY_ROLES | {Role.COUNTY_REVIEWER}:
        raise PermissionDenied(_("A county or city reviewer confirms the changed permit."))
    obligation = get_scoped_or_404(actor, PermitChangeObligation.objects.select_for_update(), pk=pk)
    if obligation.status == ObligationStatus.CONFIRMED:
        from quota_registry.review.services import TransitionNotAllowed

        raise TransitionNotAllowed(obligation.status, "confirm", label=obligation.get_status_display())
    errors, values = {}, {}
    for name in CONFIRM_FIELDS:
        model_field = PermitChangeObligation._meta.get_field(name)
        try:
            values[name] = inputs.check_text(fields.get(name), field=name, label=model_field.verbose_name,
                                             limit=model_field.max_length, required=True,
                                             required_message=_("Fill in this field from the changed permit."))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    before = snapshot(obligation)
    for name in CONFIRM_FIELDS:
        setattr(obligation, name, values[name])
    obligation.status, obligation.confirmed_at, obligation.confirmed_by = (
        ObligationStatus.CONFIRMED, timezone.now(), actor)
    obligation.save()
    record(actor=actor, action="obligation.confirm", obj=obligation, before=before, after=snapshot(obligation))
    notify(recipients=_enterprise_users(obligation.enterprise), subject=_("Your permit change is confirmed"),
           link=reverse("trading:obligation-detail", args=[obligation.pk]))
    return obligation


def recompute_provisional(*, actor=None) -> int:
    """After a year's official calendar is entered: recompute every provisional due date. Returns how many
    moved; each change is audited and the enterprise told."""
    calendar = WorkdayCalendar.load()
    moved = 0
    for pk in PermitChangeObligation.objects.filter(provisional=True).values_list("pk", flat=True):
        with transaction.atomic():
            obligation = PermitChangeObligation.objects.select_for_update().get(pk=pk)
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
    calendar = WorkdayCalendar.load()
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
                remaining = calendar.working_days_between(today, obligation.due_date)
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
