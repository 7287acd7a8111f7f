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
    working_days = models.PositiveSmallIntegerField(_("working days allowed"))
    due_date = models.DateField(_("due date"), db_index=True)
    provisional = models.BooleanField(_("due date provisional"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

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
