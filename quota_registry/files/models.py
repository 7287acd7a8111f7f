"""Uploaded evidence (PDF, images, Word/Excel), attached to any record. Each file carries the
organisation and county of the record it belongs to, so the one scoping function decides who may
download it; files are never served from MEDIA_URL, only through `views.download`."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


def _upload_to(instance, filename):
    return f"evidence/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class Attachment(models.Model):
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="+")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    purpose = models.CharField(_("what it proves"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    mime_type = models.CharField(_("file type"), max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))
    superseded = models.BooleanField(_("replaced by a newer file"), default=False)

    SCOPE = ScopeRule(organisation="organisation", region="region")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.original_name
