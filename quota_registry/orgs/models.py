"""Organisations (enterprises, county bureaus, the city bureau, third-party technical reviewers) and
the people who act for them, each with one role."""
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule
from quota_registry.reference.models import Industry, Region

from .credit_code import validate_credit_code


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    COUNTY_BUREAU = "county_bureau", _("County bureau of ecology and environment")
    CITY_BUREAU = "city_bureau", _("City bureau of ecology and environment")
    PROVINCE_BUREAU = "province_bureau", _("Provincial department of ecology and environment")
    VERIFIER = "verifier", _("Greenhouse-gas verifier (third party)")
    TECH_REVIEWER = "tech_reviewer", _("Technical reviewer (third party)")
    BANK = "bank", _("Bank (pledgee)")


class ManagementCategory(models.TextChoices):
    """Pollutant discharge permit management category (排污许可分类管理)."""

    KEY = "key", _("Key management")
    SIMPLIFIED = "simplified", _("Simplified management")
    REGISTRATION = "registration", _("Registration")
    NONE = "none", _("No permit required")


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_credit_code],
        error_messages={"unique": _("An organisation with this unified social credit code is already registered.")},
    )
    region = models.ForeignKey(
        Region, verbose_name=_("county-level division"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="organisations",
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry (GB/T 4754)"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="organisations",
    )
    permit_number = models.CharField(_("pollutant discharge permit number"), max_length=40, blank=True)
    management_category = models.CharField(
        _("permit management category"), max_length=16, choices=ManagementCategory.choices, blank=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Enterprise users see their own organisation, county reviewers the organisations in their county.
    SCOPE = ScopeRule(organisation="pk", region="region")

    class Meta:
        ordering = ["kind", "region__sort_order", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"], name="organisation_unique_name_per_kind",
                violation_error_message=_("An organisation of this kind with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["region"], condition=models.Q(kind="county_bureau"), name="one_county_bureau_per_region",
                violation_error_message=_("This division already has a county bureau."),
            ),
            models.UniqueConstraint(
                fields=["kind", "region"], condition=models.Q(kind__in=["city_bureau", "province_bureau"]),
                name="one_bureau_per_city", violation_error_message=_("This city's (or province's) bureau is already "
                                                                      "registered."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="enterprise")
                | (models.Q(credit_code__isnull=False) & models.Q(region__isnull=False) & models.Q(industry__isnull=False)),
                name="enterprise_has_code_region_industry",
                violation_error_message=_("An enterprise needs a credit code, a county and an industry."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="county_bureau") | models.Q(region__isnull=False),
                name="county_bureau_has_region",
                violation_error_message=_("A county bureau needs its county."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """Data rules the database cannot check alone, with messages that say what to fix."""
        super().clean()
        errors = {}
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if self.kind == OrganisationKind.ENTERPRISE:
            if not self.credit_code:
                errors["credit_code"] = _("Enter the enterprise's unified social credit code.")
            if not self.region_id:
                errors["region"] = _("Choose the county-level division where the enterprise is located.")
            if not self.industry_id:
                errors["industry"] = _("Choose the enterprise's industry.")
        if self.kind == OrganisationKind.COUNTY_BUREAU and not self.region_id:
            errors["region"] = _("Choose the county-level division this bureau is responsible for.")
        if self.region_id and self.kind in (OrganisationKind.ENTERPRISE, OrganisationKind.COUNTY_BUREAU):
            if self.region.level != "county":
                errors["region"] = _("Choose a county-level division, not the city.")
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    COUNTY_REVIEWER = "county_reviewer", _("County reviewer")
    CITY_REVIEWER = "city_reviewer", _("City reviewer")
    CITY_APPROVER = "city_approver", _("City approver")
    CITY_ADMIN = "city_admin", _("City administrator")
    TECH_REVIEWER = "tech_reviewer", _("Technical reviewer")
    BANK_USER = "bank_user", _("Bank user")
    PROVINCE_REVIEWER = "province_reviewer", _("Province reviewer")
    VERIFIER = "verifier", _("Verifier")


# Which roles a person of each kind of organisation may hold.
ROLES_BY_KIND = {
    OrganisationKind.ENTERPRISE: {Role.ENTERPRISE_USER},
    OrganisationKind.COUNTY_BUREAU: {Role.COUNTY_REVIEWER},
    OrganisationKind.CITY_BUREAU: {Role.CITY_REVIEWER, Role.CITY_APPROVER, Role.CITY_ADMIN},
    OrganisationKind.TECH_REVIEWER: {Role.TECH_REVIEWER},
    OrganisationKind.BANK: {Role.BANK_USER},
    OrganisationKind.PROVINCE_BUREAU: {Role.PROVINCE_REVIEWER},
    OrganisationKind.VERIFIER: {Role.VERIFIER},
}
CITY_ROLES = frozenset({Role.CITY_REVIEWER, Role.CITY_APPROVER, Role.CITY_ADMIN})
# Who decides on quota gives a second factor after the password: the city's staff and the province's.
SECOND_FACTOR_ROLES = CITY_ROLES | {Role.PROVINCE_REVIEWER}


class User(AbstractUser):
    """A person acting for one organisation in one role. Superusers (set-up only) may have neither."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    objects = UserManager()

    SCOPE = ScopeRule(organisation="organisation", region="organisation__region")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="") & models.Q(organisation__isnull=True))
                | (~models.Q(role="") & models.Q(organisation__isnull=False)),
                name="user_role_iff_organisation",
                violation_error_message=_("A user with a role must belong to an organisation, and vice versa."),
            ),
        ]

    def clean(self):
        super().clean()
        if self.organisation_id and self.role:
            allowed = ROLES_BY_KIND.get(self.organisation.kind, set())
            if self.role not in allowed:
                raise ValidationError({"role": _("This role cannot be given to a person of a %(kind)s.") % {
                    "kind": self.organisation.get_kind_display()}})

    @property
    def is_city_staff(self) -> bool:
        return self.role in CITY_ROLES

    @property
    def is_verifier(self) -> bool:
        return self.role == Role.VERIFIER

    @property
    def is_province_staff(self) -> bool:
        return self.role == Role.PROVINCE_REVIEWER

    @property
    def city_id(self) -> int | None:
        """The city whose registry the user works in (its own city's pool, staff and records), or None: the
        province's staff, a superuser."""
        from quota_registry.jurisdiction import city_id_of

        organisation = self.organisation
        return city_id_of(organisation.region_id) if organisation is not None else None

    @property
    def city_region_ids(self) -> list[int]:
        """The user's city and its counties: what its staff see is located in one of them."""
        from quota_registry.jurisdiction import city_region_ids

        return city_region_ids(self.city_id) if self.city_id else []

    @property
    def is_county_reviewer(self) -> bool:
        return self.role == Role.COUNTY_REVIEWER

    @property
    def is_enterprise_user(self) -> bool:
        return self.role == Role.ENTERPRISE_USER

    @property
    def is_bank_user(self) -> bool:
        return self.role == Role.BANK_USER

    @property
    def display_name(self) -> str:
        """Chinese order: family name first, no space."""
        return f"{self.last_name}{self.first_name}".strip() or self.username


class ApiToken(models.Model):
    """A key for the API (`Authorization: Token <key>`), one per login: it expires after PORTAL_TOKEN_DAYS and its
    owner may revoke it. Only the key's SHA-256 is stored; the key is shown once, when it is issued. A revoked
    or expired token stays on record (who used the API, when, until when)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("key begins with"), max_length=8)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    SCOPE = ScopeRule(owner="user")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "expires_at"], condition=models.Q(revoked_at__isnull=True),
                                name="api_token_active")]

    def __str__(self):
        return f"{self.user} {self.prefix}…"


class RestrictionKind(models.TextChoices):
    """Why an enterprise or a county may not get new quota, or may not trade or bid, kept by the city with its
    source."""

    UNRECTIFIED_VIOLATION = "unrectified_violation", _("Environmental violation not yet rectified")
    MISSED_REDUCTION_TARGET = "missed_reduction_target", _("Last year's reduction target missed")
    COURT_DEFAULTER = "court_defaulter", _("Listed by a court as a dishonest judgment debtor (失信被执行人)")
    ABNORMAL_OPERATION = "abnormal_operation", _("Listed for abnormal operations (经营异常名录)")
    CREDIT_RED = "credit_red", _("Environmental credit rating: red")
    CREDIT_BLACK = "credit_black", _("Environmental credit rating: black")
    UNPAID_FEES = "unpaid_fees", _("Fees owed to the bureau not paid")
    CARBON_DEFAULT = "carbon_default", _("Carbon allowances not surrendered in full and on time")


# The entries that stop an enterprise from trading or bidding (issue 18: the trading platforms' credit gates)
TRADING_GATES = (RestrictionKind.COURT_DEFAULTER, RestrictionKind.ABNORMAL_OPERATION, RestrictionKind.CREDIT_RED,
                 RestrictionKind.CREDIT_BLACK, RestrictionKind.UNPAID_FEES, RestrictionKind.CARBON_DEFAULT)


class RestrictionStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force (blocking)")
    LIFTED = "lifted", _("Lifted")


class Restriction(models.Model):
    """An entry of the city's list of enterprises (or counties) that get no new quota accounting or new quota until
    the cause is rectified (seed 001 guide Art 4: violations not rectified; seed 003 Art 4: last year's reduction
    target missed). Never deleted: lifting records the day and the reason."""

    kind = models.CharField(_("kind"), max_length=32, choices=RestrictionKind.choices)
    organisation = models.ForeignKey(Organisation, verbose_name=_("enterprise"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="restrictions")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    source = models.CharField(_("source (decision or document)"), max_length=200)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(_("in force until (empty: until lifted)"), null=True, blank=True)
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lifted_reason = models.CharField(_("why it was lifted"), max_length=500, blank=True)
    # recorded and lifted through the workflow engine (the `restriction` kind, reserve/workflows.py)
    status = models.CharField(_("status"), max_length=10, choices=RestrictionStatus.choices,
                              default=RestrictionStatus.IN_FORCE, db_default=RestrictionStatus.IN_FORCE)
    created_by = models.ForeignKey("orgs.User", verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), null=True, blank=True, auto_now_add=True)

    SCOPE = ScopeRule(organisation="organisation", region="region")

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("restriction on new quota")
        verbose_name_plural = _("restrictions on new quota")
        constraints = [
            models.CheckConstraint(condition=models.Q(organisation__isnull=False) | models.Q(region__isnull=False),
                                   name="restriction_names_whom"),
            models.CheckConstraint(condition=models.Q(lifted_on__isnull=True) | ~models.Q(lifted_reason=""),
                                   name="restriction_lifted_with_reason"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.organisation or self.region}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("reserve:restriction-detail", args=[self.pk])

    def describe(self) -> str:
        """The entry in the words a refusal quotes: whom, why, on whose decision, since when."""
        return _("%(whom)s is on the city's list: %(kind)s — %(reason)s (%(source)s, since %(since)s)") % {
            "whom": self.organisation.name if self.organisation_id else self.region.name,
            "kind": self.get_kind_display(), "reason": self.reason, "source": self.source,
            "since": f"{self.valid_from:%Y-%m-%d}"}
