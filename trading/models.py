"""Trades, reference prices (later) and the permit-change obligations of Art 17."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILED = "filed", _("Permit change applied for")
    CONFIRMED = "confirmed", _("Permit changed")


class PermitChangeObligation(models.Model):
    """Art 17: an enterprise whose reduction was transferred applies to change its discharge permit within
    N working days (a rule-set parameter) after the later of its measure's completion and the approval."""

    enterprise = models.ForeignKey("orgs.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="permit_obligations")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    withdrawal = models.ForeignKey("reserve.WithdrawalApplication", verbose_name=_("withdrawal"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="permit_obligations")
    transferred = models.JSONField(_("transferred quantities"), default=list)  # [{pollutant, unit, lot, quantity}]
    destination = models.CharField(_("where the quota went"), max_length=300)
    measure_completed_on = models.DateField(_("measure completed on"))
    approved_on = models.DateField(_("transfer approved on"))
    base_date = models.DateField(_("counted from"))  # the later of completion and approval
    working_days = models.PositiveSmallIntegerField(_("working days allowed"))
    due_date = models.DateField(_("due date"), db_index=True)
    provisional = models.BooleanField(_("due date provisional"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    filed_at = models.DateTimeField(_("permit change applied for at"), null=True, blank=True)
    filed_by = models.ForeignKey("orgs.User", verbose_name=_("applied for by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    filing_note = models.TextField(_("note on the application"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey("orgs.User", verbose_name=_("confirmed by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    permit_number = models.CharField(_("changed permit number"), max_length=40, blank=True)
    permit_version = models.CharField(_("permit version or date of change"), max_length=40, blank=True)
    recorded_measure = models.CharField(_("measure recorded in the permit"), max_length=300, blank=True)
    recorded_reduction = models.CharField(_("reduction recorded in the permit"), max_length=300, blank=True)
    recorded_transfer = models.CharField(_("amount transferred and destination recorded in the permit"),
                                         max_length=300, blank=True)

    SCOPE = ScopeRule(organisation="enterprise", region="region")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("permit-change obligation")
        verbose_name_plural = _("permit-change obligations")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "withdrawal"], condition=Q(withdrawal__isnull=False),
                                    name="obligation_one_per_enterprise_and_withdrawal"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.due_date}"

    def is_overdue(self, today) -> bool:
        """Overdue from the day after the due date until the changed permit is confirmed."""
        return self.status != ObligationStatus.CONFIRMED and today > self.due_date


class ReminderKind(models.TextChoices):
    D10 = "d10", _("10 working days before the due date")
    D5 = "d5", _("5 working days before the due date")
    D1 = "d1", _("1 working day before the due date")
    OVERDUE = "overdue", _("first overdue day")


REMINDER_THRESHOLDS = [(ReminderKind.D1, 1), (ReminderKind.D5, 5), (ReminderKind.D10, 10)]


class ObligationReminder(models.Model):
    """One reminder of one kind for one obligation: the unique row makes sending idempotent."""

    obligation = models.ForeignKey(PermitChangeObligation, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(_("reminder"), max_length=8, choices=ReminderKind.choices)
    sent_on = models.DateField(_("sent on"))
    skipped = models.BooleanField(_("skipped (a later reminder was already due)"), default=False)

    SCOPE = ScopeRule(organisation="obligation__enterprise", region="obligation__region")

    class Meta:
        ordering = ["obligation_id", "sent_on"]
        verbose_name = _("permit-change reminder")
        verbose_name_plural = _("permit-change reminders")
        constraints = [models.UniqueConstraint(fields=["obligation", "kind"], name="reminder_once_per_kind")]

    def __str__(self):
        return f"{self.obligation_id} {self.kind}"
