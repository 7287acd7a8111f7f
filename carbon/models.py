"""Carbon emission rights supervised by the city bureau (seed 004, Zhongwei 2023; issue 20): the key emitters'
list, their annual emission reports verified by a third party and reviewed by the bureau, the allowances the
province allocated, the surrenders (配额清缴) with at most 5 % CCER, and the overdue units' credit marks (entries of
the city's list). Quantities in t CO2e, exact decimals (accounting.carbon)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ledger.models import QUANTITY
from quota_registry.access import ScopeRule
from quota_registry.inputs import OPINION


class UnitStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    DELISTED = "delisted", _("Delisted")


class KeyEmitter(models.Model):
    """An entry of the key emitters' list (重点排放单位名录, seed 004 item 1): an enterprise whose annual emissions
    reach 26,000 t CO2e (about 10,000 t of standard coal), listed with the figure and the reason; the list is
    adjusted each year from the verified reports (delisting is a decision with a reason)."""

    enterprise = models.OneToOneField("orgs.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                      related_name="key_emitter")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    listed_year = models.PositiveSmallIntegerField(_("listed from the year"))
    basis_emissions = models.DecimalField(_("annual emissions that list it (t CO2e)"), **QUANTITY)
    basis_energy_tce = models.DecimalField(_("annual energy use (t of standard coal)"), null=True, blank=True,
                                           **QUANTITY)
    reason = models.CharField(_("basis of the listing"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=UnitStatus.choices, default=UnitStatus.LISTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("listed at"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="enterprise", region="region")

    class Meta:
        ordering = ["region__sort_order", "enterprise__name"]
        verbose_name = _("key emitter")
        verbose_name_plural = _("key emitters")

    def __str__(self):
        return self.enterprise.name

    def get_absolute_url(self):
        return reverse("carbon:unit", args=[self.pk])


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting a verifier")
    VERIFYING = "verifying", _("With the verifier")
    VERIFIED = "verified", _("Verified, awaiting the bureau's review")
    ACCEPTED = "accepted", _("Reviewed: the verified figure counts")


class EmissionReport(models.Model):
    """A key emitter's report of last year's emissions (seed 004 items 1-2): by source and facility, the energy
    used and the basis of calculation, with evidence; verified by the third party the bureau assigns (核查), whose
    figure and data-quality findings the bureau reviews (复查) and may send back."""

    unit = models.ForeignKey(KeyEmitter, verbose_name=_("key emitter"), on_delete=models.PROTECT,
                             related_name="reports")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField(_("year of the emissions"))
    reported_emissions = models.DecimalField(_("reported emissions (t CO2e)"), **QUANTITY)
    energy_tce = models.DecimalField(_("energy use (t of standard coal)"), **QUANTITY)
    sources = models.TextField(_("emissions by source and facility"), max_length=4000)
    basis = models.CharField(_("basis of calculation"), max_length=500)
    verifier = models.ForeignKey("orgs.Organisation", verbose_name=_("verifier"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="carbon_reports")
    verified_emissions = models.DecimalField(_("verified emissions (t CO2e)"), null=True, blank=True, **QUANTITY)
    findings = models.TextField(_("data-quality findings"), max_length=OPINION * 4, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="unit__enterprise", region="region", verifier="verifier")

    class Meta:
        ordering = ["-year", "unit__enterprise__name"]
        verbose_name = _("emission report")
        verbose_name_plural = _("emission reports")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="one_report_per_unit_and_year"),
            models.CheckConstraint(condition=Q(reported_emissions__gte=0) & Q(energy_tce__gte=0),
                                   name="report_not_negative"),
        ]

    def __str__(self):
        return f"{self.unit} {self.year}"

    def get_absolute_url(self):
        return reverse("carbon:report", args=[self.pk])


class Allowance(models.Model):
    """The allowance the province allocated to a unit for a year (seed 004 item 4), as the bureau recorded it."""

    unit = models.ForeignKey(KeyEmitter, verbose_name=_("key emitter"), on_delete=models.PROTECT,
                             related_name="allowances")
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quantity = models.DecimalField(_("allowance allocated (t CO2e)"), **QUANTITY)
    source = models.CharField(_("allocation document"), max_length=200)
    # its lot in the one ledger (issue 20: allocated from the outside world into the unit's carbon account); none for
    # an allocation of zero
    lot = models.OneToOneField("ledger.Lot", verbose_name=_("ledger lot"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="carbon_allowance")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="unit__enterprise", region="region")

    class Meta:
        ordering = ["-year"]
        verbose_name = _("allowance allocated")
        verbose_name_plural = _("allowances allocated")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_allowance_per_unit_and_year"),
                       models.CheckConstraint(condition=Q(quantity__gte=0), name="allowance_not_negative")]

    def __str__(self):
        return f"{self.unit} {self.year}"


class Surrender(models.Model):
    """What a unit surrendered for a year's verified emissions (配额清缴, seed 004 item 4): allowances and, for at
    most 5 % of its obligation, CCER; each surrender is kept (a unit may surrender in several parts)."""

    unit = models.ForeignKey(KeyEmitter, verbose_name=_("key emitter"), on_delete=models.PROTECT,
                             related_name="surrenders")
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("compliance year"))
    allowances = models.DecimalField(_("allowances surrendered (t CO2e)"), **QUANTITY)
    ccer = models.DecimalField(_("CCER surrendered (t CO2e)"), **QUANTITY)
    registry_reference = models.CharField(_("national registry record"), max_length=100)
    # the ledger transaction that moved it into SURRENDERED (the allowances held, what was acquired beyond them, the
    # CCER)
    transaction = models.OneToOneField("ledger.LedgerTransaction", verbose_name=_("ledger transaction"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="carbon_surrender")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("surrendered at"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="unit__enterprise", region="region")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("surrender")
        verbose_name_plural = _("surrenders")
        constraints = [models.CheckConstraint(condition=Q(allowances__gte=0) & Q(ccer__gte=0)
                                              & (Q(allowances__gt=0) | Q(ccer__gt=0)), name="surrender_positive")]

    def __str__(self):
        return f"{self.unit} {self.year}"


class ServiceKind(models.TextChoices):
    VERIFICATION = "verification", _("Greenhouse-gas verification")
    ASSET_MANAGEMENT = "asset_management", _("Carbon asset management")
    TESTING = "testing", _("Testing and monitoring")


class ServiceProvider(models.Model):
    """A third-party service organisation working in the city (seed 004 items 6-7): what it does, since when, and
    the inspections of it. A verifier that acts in the portal is also an organisation of kind verifier; the register
    names it (`organisation`)."""

    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    city = models.ForeignKey("reference.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    services = models.CharField(_("services"), max_length=100)  # ServiceKind values, comma-separated
    organisation = models.OneToOneField("orgs.Organisation", verbose_name=_("its users in the portal"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="service_provider")
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    registered_on = models.DateField(_("registered on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    SCOPE = ScopeRule(region="city", published=Q())

    class Meta:
        ordering = ["name"]
        verbose_name = _("third-party service organisation")
        verbose_name_plural = _("third-party service organisations")

    def __str__(self):
        return self.name

    def service_labels(self) -> list[str]:
        return [str(ServiceKind(s).label) for s in self.services.split(",") if s in ServiceKind.values]


class InspectionOutcome(models.TextChoices):
    SATISFACTORY = "satisfactory", _("No problem found")
    RECTIFY = "rectify", _("Problems found: to be rectified")
    VIOLATION = "violation", _("Violation found: dealt with and reported to the province")


class Inspection(models.Model):
    """An inspection of a service organisation by the bureau (seed 004 item 6): when, what, what was found and what
    follows; a violation is reported to the province."""

    provider = models.ForeignKey(ServiceProvider, verbose_name=_("service organisation"), on_delete=models.PROTECT,
                                 related_name="inspections")
    inspected_on = models.DateField(_("inspected on"))
    subject = models.CharField(_("what was inspected"), max_length=300)
    findings = models.TextField(_("findings"), max_length=2000)
    outcome = models.CharField(_("outcome"), max_length=12, choices=InspectionOutcome.choices)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    SCOPE = ScopeRule(region="provider__city")

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return f"{self.provider} {self.inspected_on}"
