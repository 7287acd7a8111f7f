"""The records of the workflow engine (engine.py): every decision on every kind of record is a `Review` row (who,
role, stage, decision, opinion, input, when; append-only, by a database trigger). Application models inherit
`ReviewableApplication` (status, applicant, location, rule set, timestamps). The allowed steps are each kind's table
(reserve/workflows.py, trading/workflows.py); `engine.perform` is the only code that changes a record's status."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule
from quota_registry.inputs import OPINION


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting county pre-review")
    COUNTY_APPROVED = "county_approved", _("Awaiting city review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")


OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.COUNTY_APPROVED, Status.RETURNED)


class ReviewableApplication(models.Model):
    """Fields every application kind has. `applicant` is the enterprise the application is for;
    `region` is the county whose bureau pre-reviews it."""

    number = models.CharField(_("application number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    applicant = models.ForeignKey("orgs.Organisation", verbose_name=_("applicant"), on_delete=models.PROTECT,
                                  related_name="+")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    filed_by_county = models.BooleanField(_("filed by the county bureau"), default=False)
    # Decided by the jurisdiction when filed (quota_registry/jurisdiction.py) and applied by every later decision.
    rule_set = models.CharField(_("rule set"), max_length=20)
    review_tiers = models.CharField(_("review tiers"), max_length=40, default="county,city")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    SCOPE = ScopeRule(organisation="applicant", region="region")

    class Meta:
        abstract = True

    def __str__(self):
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)


class Stage(models.TextChoices):
    """Where in a record's procedure a decision was taken."""

    APPLICANT = "applicant", _("Applicant")
    COUNTY = "county", _("County pre-review")
    CITY_PREPARATION = "city_prep", _("City preparatory review")
    CITY = "city", _("City review")
    PARTY = "party", _("Party to the trade")
    PROVINCE = "province", _("Province review")
    THIRD_PARTY = "third_party", _("Third-party verification")
    SYSTEM = "system", _("System")


class Decision(models.TextChoices):
    """What was decided, in words a person reads in the record's history (the engine's steps name one each)."""

    SUBMIT = "submit", _("Submitted")
    WITHDRAW = "withdraw", _("Withdrew")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned for correction")
    REJECT = "reject", _("Rejected")
    PREPARE = "prepare", _("Recorded the preparatory review")
    REVOKE = "revoke", _("Revoked")
    VERIFY = "verify", _("Recorded the verified figure")
    COMPLETE = "complete", _("Recorded the completion")
    EXPIRE = "expire", _("Expired")
    FILE = "file", _("Applied for the permit change")
    CONFIRM_PERMIT = "confirm_permit", _("Recorded the changed permit")
    ANNOUNCE = "announce", _("Announced")
    INTEREST = "interest", _("Applied to buy")
    QUALIFY = "qualify", _("Qualification approved")
    REFUSE = "refuse", _("Refused the qualification")
    SET_METHOD = "method", _("Issued the trade notice")
    BID = "bid", _("Placed a bid")
    CLOSE = "close", _("Struck the deal")
    CONTRACT = "contract", _("Recorded the contract")
    SETTLE = "settle", _("Recorded the settlement")
    CONFIRM = "confirm", _("Confirmed")
    PUBLISH = "publish", _("Published")
    CANCEL = "cancel", _("Cancelled")
    LIFT = "lift", _("Lifted the entry")
    BUY_BACK = "buy_back", _("Decided to buy back into the reserve")
    REGISTER = "register", _("Registered the pledge")
    REFUSE_PLEDGE = "refuse_pledge", _("Refused to register the pledge")
    RELEASE_PLEDGE = "release_pledge", _("Recorded the repayment: pledge released")
    DEFAULT = "default", _("Declared the default: the quota is sold")
    CONFIRM_DEPOSIT = "confirm_deposit", _("Confirmed the deposit received")
    APPLY_DEPOSIT = "apply_deposit", _("Counted the deposit toward the price")
    RELEASE_DEPOSIT = "release_deposit", _("Released the deposit")
    FORFEIT = "forfeit", _("Forfeited the deposit")
    PAY = "pay", _("Recorded a payment")
    WAIVE = "waive", _("Waived the fee")
    DELIST = "delist", _("Delisted")
    LIST = "list", _("Listed again")
    ASSIGN = "assign", _("Assigned the verifier")


Action = Decision  # the name the applications' code used


class Review(models.Model):
    """One decision on one record of any kind (quota_registry/review/engine.py): who, in which role and stage, what,
    why, with which input, when. Never changed or deleted (a PostgreSQL trigger refuses it)."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject_label = models.CharField(_("number"), max_length=30)
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("organisation concerned"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("reviewer name"), max_length=150)
    organisation_name = models.CharField(_("reviewer's organisation"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    action = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    from_status = models.CharField(_("status before"), max_length=20)
    to_status = models.CharField(_("status after"), max_length=20)
    opinion = models.TextField(_("opinion"), blank=True, max_length=OPINION)
    details = models.JSONField(_("what was entered"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="organisation", region="region")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("decision record")
        verbose_name_plural = _("decision records")
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self):
        return f"{self.subject_label} {self.get_action_display()} {self.actor_name}"


class NumberSequence(models.Model):
    """Gap-free yearly counters for application and lot numbers (e.g. RK2026000001)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    SCOPE = ScopeRule()  # internal: city staff only

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="number_sequence_unique")]

    def __str__(self):
        return f"{self.prefix}{self.year}:{self.value}"
