"""The audit trail: one append-only record of every decision and change.

Rows are only ever inserted (services.record). On PostgreSQL a trigger refuses UPDATE and DELETE,
so not even a bug or a manual SQL session can rewrite history; the admin shows the rows read-only.
"""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Copies, so the row still says who acted even after the person changes organisation or role.
    actor_name = models.CharField(_("actor name"), max_length=150)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("actor's organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    organisation_name = models.CharField(_("organisation name"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    # The timeline is shown on an object's page once that object passed the scope check; the list of
    # all entries is for city staff.
    SCOPE = ScopeRule(organisation="organisation")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    @property
    def action_label(self) -> str:
        from .labels import label

        return label(self.action)

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
