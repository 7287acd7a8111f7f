from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


class Notification(models.Model):
    """One message to one person: shown in their in-app inbox and sent by email once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # The record the message is about (its page shows its status as it is now, not as it was when sent).
    about_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    email_error = models.CharField(_("email error"), max_length=300, blank=True)
    email_enqueued_at = models.DateTimeField(null=True, blank=True)  # the outbox's lease (quota_registry/outbox.py)

    SCOPE = ScopeRule(owner="recipient")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
