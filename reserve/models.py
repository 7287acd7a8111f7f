"""The reserve pool's applications: entries (入库) that put quota into the pool as lots of the ledger (ledger/), and
withdrawals (出库) that take it out for construction projects, with their items, allocations and reduction plans."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ledger.models import QUANTITY, QUOTA_SOURCE_CHOICES, SourceKind
from quota_registry.access import ScopeRule
from quota_registry.inputs import DESCRIPTION, OPINION, REASON
from quota_registry.review.models import ReviewableApplication

COUNTY_FILED_SOURCES = (SourceKind.ABANDONED, SourceKind.REVOKED)  # Art 9: filed by the county, major projects only


class Measure(models.TextChoices):
    SOURCE_SUBSTITUTION = "source_substitution", _("Source substitution")
    SHUTDOWN = "shutdown", _("Shutdown")
    TREATMENT = "treatment", _("Treatment")
    PROCESS_CHANGE = "process_change", _("Process change")
    OTHER = "other", _("Other")


class EntryApplication(ReviewableApplication):
    """入库申请 (Arts 7-9): an enterprise's reduction (or returned quota) proposed for the pool."""

    source_kind = models.CharField(_("source"), max_length=20, choices=QUOTA_SOURCE_CHOICES)
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    measure_description = models.TextField(_("description of the measure"), blank=True, max_length=DESCRIPTION)
    watershed = models.ForeignKey("reference.Watershed", verbose_name=_("watershed"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    permit_number = models.CharField(_("pollutant discharge permit number"), max_length=40, blank=True)
    completion_evidence = models.CharField(_("evidence fixing the completion date"), max_length=24, blank=True)
    # seed 001 guide Art 12: the dates of the evidence given ({code: "YYYY-MM-DD"}); the best one fixes the date
    evidence_dates = models.JSONField(_("dates of the completion evidence"), default=dict, blank=True)
    # seed 001 guide Art 14: causes the applicant declares; any of them makes the reduction not creditable
    non_creditable_causes = models.JSONField(_("non-creditable causes declared"), default=list, blank=True)
    paid = models.BooleanField(_("the quota was obtained for a fee"), default=False)
    power_unit = models.BooleanField(_("reduction made at a thermal power unit (a captive one included)"),
                                     default=False)  # seed 003 Art 16
    revoke_reason = models.TextField(_("reason for revocation"), blank=True, max_length=OPINION)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entry application")
        verbose_name_plural = _("entry applications")
        # The inboxes: a county's (status, county) and the city's (status), oldest waiting first; the home pages'
        # counts by state of a city's or county's applications, read from the index alone (at the province scale the
        # city's 50,000 rows lie scattered among 500,000: 41 ms from the table, docs/benchmarks.md).
        indexes = [models.Index(fields=["status", "region", "submitted_at"]),
                   models.Index(fields=["status", "submitted_at", "id"], name="entry_inbox"),
                   models.Index(fields=["region", "status"], name="entry_region_status")]


    def get_absolute_url(self):
        return reverse("reserve:entry-detail", args=[self.pk])


class EntryItem(models.Model):
    application = models.ForeignKey(EntryApplication, on_delete=models.CASCADE, related_name="items")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("claimed quantity"), **QUANTITY)
    accounting_method = models.CharField(_("accounting method"), max_length=20)
    accounting_inputs = models.JSONField(_("accounting inputs"), default=dict, blank=True)
    accounting_formula = models.CharField(_("formula"), max_length=300, blank=True)
    accounting_basis = models.TextField(_("accounting basis"), blank=True, max_length=DESCRIPTION)
    completed = models.BooleanField(_("measure completed"), default=True)
    completion_date = models.DateField(_("completion date (planned date if not complete)"))
    returned_lot = models.ForeignKey("ledger.Lot", verbose_name=_("returned lot"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    verified_quantity = models.DecimalField(_("quantity verified by the city"), null=True, blank=True, **QUANTITY)
    verified_reason = models.TextField(_("reason for the verified figure"), blank=True, max_length=REASON)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    lot = models.OneToOneField("ledger.Lot", verbose_name=_("lot issued"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="entry_item")

    SCOPE = ScopeRule(organisation="application__applicant", region="application__region")

    class Meta:
        ordering = ["application_id", "pollutant__sort_order", "id"]
        verbose_name = _("entry item")
        verbose_name_plural = _("entry items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="entry_item_quantity_positive"),
            models.CheckConstraint(condition=Q(verified_quantity__isnull=True) | Q(verified_quantity__gte=0),
                                   name="entry_item_verified_not_negative"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.pollutant_id} {self.quantity}"

    @property
    def effective_quantity(self):
        """What enters the pool: the city's verified figure where it set one, else the claim."""
        return self.verified_quantity if self.verified_quantity is not None else self.quantity


class WithdrawalApplication(ReviewableApplication):
    """出库申请 (Arts 13-16): a construction project asks for quota from the pool. The applicant is the
    enterprise building it; `region` is the project's county. Ratios and required quantities are computed
    by the city's rule set when the application is saved, and recorded with their reasons."""

    project_name = models.CharField(_("project name"), max_length=200)
    industry = models.ForeignKey("reference.Industry", verbose_name=_("project industry"), on_delete=models.PROTECT,
                                 related_name="+")
    watershed = models.ForeignKey("reference.Watershed", verbose_name=_("receiving watershed"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    eia_authority = models.CharField(_("EIA approving authority"), max_length=120)
    major_project = models.BooleanField(_("major provincial or city project"), default=False)
    two_high = models.BooleanField(_("high energy use and high emissions (两高)"), default=False)
    clean_energy = models.BooleanField(_("uses clean energy (electricity, natural gas)"), default=False)
    relocation = models.BooleanField(_("relocation out of the built-up area"), default=False)
    captive_power = models.BooleanField(_("a captive thermal power unit of another industry (自备电厂)"), default=False)
    chp_heating = models.BooleanField(_("for the heating part of a combined heat and power unit"), default=False)
    # seed 003 Art 19: a central heating heat source, whose dismantled dispersed coal-fired units replace its own air
    # emissions
    central_heating = models.BooleanField(_("a central heating heat source"), default=False, db_default=False)
    # seed 003 Art 18: the number of the unit's earlier withdrawal whose project will not be built, and whose quota
    # (obtained for a fee) this project reuses
    reuse_from = models.CharField(_("reuses the quota of the unit's withdrawal"), max_length=20, blank=True,
                                  default="", db_default="")
    stack_height_m = models.DecimalField(_("stack height (m)"), max_digits=6, decimal_places=1, null=True, blank=True)
    auto_allocate = models.BooleanField(_("allocate sources automatically"), default=True)
    quality_year = models.PositiveSmallIntegerField(_("quality status year used"), null=True, blank=True)
    relies_on_government = models.BooleanField(_("the plan relies on local government action"), default=False)
    hold_transaction = models.ForeignKey("ledger.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("withdrawal application")
        verbose_name_plural = _("withdrawal applications")
        indexes = [models.Index(fields=["status", "region", "submitted_at"]),
                   models.Index(fields=["status", "submitted_at", "id"], name="withdrawal_inbox"),
                   # the published ledger's approved withdrawals, the latest decisions first
                   models.Index(fields=["status", "decided_at"], name="withdrawal_decided")]


    # The project's characteristics that change its ratios or sources, as the page and Annex 4 print them
    CHARACTERISTICS = (("major_project", _("major project")), ("two_high", _("two-high")),
                       ("clean_energy", _("clean energy")), ("relocation", _("relocation")),
                       ("captive_power", _("captive power unit")), ("chp_heating", _("heating part of CHP")),
                       ("central_heating", _("central heating")))

    @property
    def characteristics(self) -> list[str]:
        return [str(label) for name, label in self.CHARACTERISTICS if getattr(self, name)]

    def get_absolute_url(self):
        return reverse("reserve:withdrawal-detail", args=[self.pk])


class WithdrawalItem(models.Model):
    application = models.ForeignKey(WithdrawalApplication, on_delete=models.CASCADE, related_name="items")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT)
    new_emission = models.DecimalField(_("new emissions"), **QUANTITY)
    ratio = models.DecimalField(_("replacement ratio"), max_digits=6, decimal_places=2)
    required = models.DecimalField(_("required replacement"), **QUANTITY)  # from the pool (after own_replacement)
    # seed 003 Art 19: what the dismantled dispersed coal-fired units in a central heating project's area replace
    own_replacement = models.DecimalField(_("own replacement source"), default=0, db_default=0, **QUANTITY)
    # seed 003 Art 18: taken from the unit's unbuilt project (`reuse_from`) when the application is approved
    reused = models.DecimalField(_("reused from the unit's unbuilt project"), default=0, db_default=0, **QUANTITY)
    reason = models.TextField(_("basis of the ratio"))

    # Approved withdrawals are published (Art 24) as the pool's deals.
    SCOPE = ScopeRule(organisation="application__applicant", region="application__region",
                      published=Q(application__status="approved"))

    class Meta:
        ordering = ["application_id", "pollutant__sort_order"]
        verbose_name = _("withdrawal item")
        verbose_name_plural = _("withdrawal items")
        constraints = [
            models.UniqueConstraint(fields=["application", "pollutant"], name="withdrawal_item_one_per_factor"),
            models.CheckConstraint(condition=Q(new_emission__gt=0), name="withdrawal_new_emission_positive"),
            models.CheckConstraint(condition=Q(required__gte=0) & Q(ratio__gte=0), name="withdrawal_required_not_negative"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.pollutant_id} {self.required}"


class Allocation(models.Model):
    """Which lot covers how much of an item's required quantity. The applicant's choice is kept as
    `requested`; the allocation in force when the application was submitted is held in the ledger."""

    item = models.ForeignKey(WithdrawalItem, on_delete=models.CASCADE, related_name="allocations")
    lot = models.ForeignKey("ledger.Lot", verbose_name=_("lot"), on_delete=models.PROTECT, related_name="allocations")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    chosen_by_applicant = models.BooleanField(_("chosen by the applicant"), default=False)

    SCOPE = ScopeRule(organisation="item__application__applicant", region="item__application__region")

    class Meta:
        ordering = ["item_id", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
                       models.UniqueConstraint(fields=["item", "lot"], name="allocation_one_per_lot")]

    def __str__(self):
        return f"{self.lot_id}: {self.quantity}"


class PlanMeasure(models.Model):
    """A row of the regional reduction plan (Annex 5) beyond the pool's own sources: an additional
    reduction measure with its amount, source, responsible party and deadline (Art 14)."""

    application = models.ForeignKey(WithdrawalApplication, on_delete=models.CASCADE, related_name="plan_measures")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("reduction"), **QUANTITY)
    source = models.CharField(_("source (enterprise or facility)"), max_length=200)
    measure = models.CharField(_("measure"), max_length=300)
    responsible_party = models.CharField(_("responsible party"), max_length=200)
    deadline = models.DateField(_("completion deadline"))
    by_government = models.BooleanField(_("carried out by the local government"), default=False)

    SCOPE = ScopeRule(organisation="application__applicant", region="application__region")

    class Meta:
        ordering = ["application_id", "id"]
        verbose_name = _("reduction plan measure")
        verbose_name_plural = _("reduction plan measures")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="plan_measure_quantity_positive")]

    def __str__(self):
        return f"{self.source} {self.quantity}"


class LotExpiryNotice(models.Model):
    """That holders and the city were told a lot expires soon (90 and 30 days ahead): once per kind."""

    lot = models.ForeignKey("ledger.Lot", on_delete=models.PROTECT, related_name="expiry_notices")
    days_ahead = models.PositiveSmallIntegerField(_("days ahead"))
    sent_on = models.DateField(_("sent on"))

    SCOPE = ScopeRule(organisation="lot__enterprise", region="lot__region")

    class Meta:
        verbose_name = _("expiry notice")
        verbose_name_plural = _("expiry notices")
        constraints = [models.UniqueConstraint(fields=["lot", "days_ahead"], name="expiry_notice_once")]

    def __str__(self):
        return f"{self.lot_id} {self.days_ahead}"


class CityMonthReport(models.Model):
    """A city's monthly report to the province's one-ledger (一本账, seed 002 Art 7): per factor, what its pool held
    at the start of the month, what was added, used, transferred in and out, and held at the end. Made by the
    monthly job from the ledger (reserve/province.py), never typed in; kept as it was sent."""

    city = models.ForeignKey("reference.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    month = models.CharField(_("month"), max_length=7)  # "2026-11"
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT,
                                  related_name="+")
    opening = models.DecimalField(_("opening balance"), **QUANTITY)
    added = models.DecimalField(_("added"), **QUANTITY)
    used = models.DecimalField(_("used"), **QUANTITY)
    transferred_in = models.DecimalField(_("transferred in"), **QUANTITY)
    transferred_out = models.DecimalField(_("transferred out"), **QUANTITY)
    closing = models.DecimalField(_("closing balance"), **QUANTITY)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    SCOPE = ScopeRule(region="city")

    class Meta:
        ordering = ["month", "city__sort_order", "pollutant__sort_order"]
        verbose_name = _("monthly report to the province")
        verbose_name_plural = _("monthly reports to the province")
        constraints = [
            models.UniqueConstraint(fields=["city", "month", "pollutant"], name="city_month_report_once"),
            models.CheckConstraint(condition=models.Q(closing=models.F("opening") + models.F("added") - models.F("used")
                                                      + models.F("transferred_in") - models.F("transferred_out")),
                                   name="city_month_report_adds_up"),
        ]

    def __str__(self):
        return f"{self.month} {self.city_id} {self.pollutant_id}"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting the giving city")
    AGREED = "agreed", _("Awaiting the province")
    ARRANGED = "arranged", _("Arranged by the province: awaiting its approval")
    TRANSFERRED = "transferred", _("Moved between the pools")
    REFUSED = "refused", _("Not agreed")


class TransferOrigin(models.TextChoices):
    CITY = "city", _("Requested by the receiving city")
    PROVINCE = "province", _("Arranged by the province")


class CityTransfer(models.Model):
    """A transfer of quota from one city's pool to another's, for a project in the receiving city (seed 003 Arts
    20-21; issue 19): requested by the receiving city, agreed by the giving city, approved by the province, then
    moved in one ledger transaction between the two pools. Or arranged by the province itself, which takes quota
    from a city with a surplus for a key project elsewhere (seed 002, 統籌使用), and approves it."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    from_city = models.ForeignKey("reference.Region", verbose_name=_("giving city"), on_delete=models.PROTECT,
                                  related_name="+")
    to_city = models.ForeignKey("reference.Region", verbose_name=_("receiving city"), on_delete=models.PROTECT,
                                related_name="+")
    region = models.ForeignKey("reference.Region", verbose_name=_("project's county"), on_delete=models.PROTECT,
                               related_name="+")
    watershed = models.ForeignKey("reference.Watershed", verbose_name=_("project's watershed"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT,
                                  related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    project_name = models.CharField(_("project"), max_length=200)
    reason = models.TextField(_("reason"), max_length=REASON)
    status = models.CharField(_("status"), max_length=12, choices=TransferStatus.choices,
                              default=TransferStatus.REQUESTED)
    origin = models.CharField(_("origin"), max_length=10, choices=TransferOrigin.choices, default=TransferOrigin.CITY)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    ledger_transaction = models.OneToOneField("ledger.LedgerTransaction", verbose_name=_("ledger transaction"), null=True,
                                              blank=True, on_delete=models.PROTECT, related_name="+")

    # The receiving city's staff (by the project's county) and the giving city's (by `from_city`); the province's.
    SCOPE = ScopeRule(region="region", city="from_city")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer between cities")
        verbose_name_plural = _("transfers between cities")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="city_transfer_positive"),
            models.CheckConstraint(condition=~models.Q(from_city=models.F("to_city")), name="city_transfer_two_cities"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("reserve:transfer-detail", args=[self.pk])
