"""One document mechanism for everything the portal generates: the official forms (Annexes 3-5),
Excel exports and reports. A record is created `pending`, a Celery task renders it (`ready` with file
and sha256, or `failed` with the error); earlier versions stay."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


class DocumentKind(models.TextChoices):
    ANNEX3 = "annex3", _("Annex 3: entry registration form")
    ANNEX4 = "annex4", _("Annex 4: enterprise application and withdrawal confirmation form")
    ANNEX5 = "annex5", _("Annex 5: regional reduction plan")
    TRADE_NOTICE = "tnotice", _("Trade notice")
    TRADE_CERTIFICATE = "tcert", _("Trade confirmation")
    CARBON_COMPLIANCE = "ccomply", _("Carbon compliance confirmation")
    EXPORT = "export", _("Excel export")
    MONTHLY_REPORT = "monthly", _("Monthly report")
    ANNUAL_REPORT = "annual", _("Annual statistics")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Being generated")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Document(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(_("format"), max_length=8, default="pdf")  # pdf | xlsx
    # What it is about: an application (scoped like it), or nothing for city-wide exports and reports.
    subject_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    organisation = models.ForeignKey("orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    region = models.ForeignKey("reference.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", blank=True, max_length=200)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The outbox's lease (quota_registry/outbox.py): when the render message was handed to the broker, and when
    # a worker began rendering (a pending document not yet begun takes further changes without a new version).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)

    # Forms are scoped like their application; exports and reports (no organisation) are for whoever
    # requested them and city staff: `requested_by` is checked in the selector.
    SCOPE = ScopeRule(organisation="organisation", region="region")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["subject_type", "subject_id", "kind", "version"])]
        constraints = [models.CheckConstraint(condition=~Q(status="ready") | ~Q(sha256=""), name="ready_has_hash")]

    def __str__(self):
        return f"{self.title} v{self.version}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    PREVIEWED = "previewed", _("Checked, not yet imported")
    COMMITTING = "committing", _("Being imported")
    COMMITTED = "committed", _("Imported")
    DISCARDED = "discarded", _("Discarded")


class ImportBatch(models.Model):
    """An uploaded spreadsheet: every row is checked and shown before anything is written; the import
    then writes all rows or none."""

    kind = models.CharField(_("what is imported"), max_length=20)
    original_name = models.CharField(_("file name"), max_length=200)
    rows = models.JSONField(_("rows"), default=list)
    errors = models.JSONField(_("errors"), default=list)  # [[row number, message], ...]
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)  # progress while it is being checked
    enqueued_at = models.DateTimeField(null=True, blank=True)  # the outbox's lease (quota_registry/outbox.py)
    failure = models.TextField(_("why the import stopped"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    SCOPE = ScopeRule(owner="created_by")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")

    def __str__(self):
        return f"{self.kind} {self.original_name}"
