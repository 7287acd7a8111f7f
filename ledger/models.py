"""The ledger: a double-entry, append-only record of lots of quota and where they are, used by the reserve pool
(reserve/) and by trading (trading/) alike.

- Account: where quota is. The outside world (reductions) is the SOURCE; the city's POOL; each enterprise's
  holding, in general or for one construction project (`reference`); HOLD (reserved for pending withdrawals and
  offers, so 'available' never counts it); sinks USED (by a project), EXPIRED and CANCELLED (revoked).
- Lot: one approved quantity of one pollutant with its origin.
- LedgerTransaction + Movement: quantities of lots moving between accounts. Never updated or deleted (a
  PostgreSQL trigger refuses it); a mistake is undone by a reversal that points at the original.
- Holding: the current quantity of a lot in an account, CHECK >= 0. Only `ledger.services.post` writes any of
  these rows, and PostgreSQL checks at each commit that every holding touched equals the sum of its movements and
  every lot's issue its quantity (ledger/migrations/0004).

The tables keep the names they had when these models lived in reserve/ (`db_table`): moving the models changed
no table, trigger or row.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule

QUANTITY = {"max_digits": 20, "decimal_places": 4}


class AccountKind(models.TextChoices):
    SOURCE = "source", _("Outside the registry (reductions, allocations)")
    POOL = "pool", _("City reserve pool")
    ENTERPRISE = "enterprise", _("Enterprise holding")
    HOLD = "hold", _("Held for pending withdrawals")
    # An enterprise's quota offered in a trade, held until the trade is confirmed or cancelled. Kept apart from HOLD:
    # what is held there is the reserve's, what is here never was (seed 002's one-ledger counts the reserve only).
    ESCROW = "escrow", _("Offered for sale by an enterprise")
    # An enterprise's quota pledged to a bank (issue 18): still the enterprise's, not withdrawable, returnable,
    # tradable or pledgeable again while the pledge stands; leaves on release, or into a trade on default
    PLEDGED = "pledged", _("Pledged to banks")
    USED = "used", _("Used by construction projects")
    # The carbon side (issue 20, seed 004 item 4), apart from the pollutant pool: a key emitter's carbon allowances
    # (allocated by the province, or acquired in the national market) and the sink of what it surrendered. A carbon
    # lot never enters a pollutant account, nor a pollutant lot a carbon one (ledger/migrations/0015 enforces it).
    CARBON = "carbon", _("Carbon allowances of a key emitter")
    SURRENDERED = "surrendered", _("Surrendered for carbon compliance")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled (revoked)")


OWNED_ACCOUNTS = (AccountKind.ENTERPRISE, AccountKind.CARBON)  # an organisation's, one or more each


class Account(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("enterprise"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="accounts")
    # An enterprise's quota obtained for one purpose (a construction project) is kept in an account of its own,
    # named by the record it came from (the withdrawal's number) and labelled with what it is for.
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    label = models.CharField(_("for"), max_length=200, blank=True)
    # The city whose reserve pool this is (issue 19: each city of the province keeps its own pool), or whose pending
    # withdrawals and sales hold quota taken from it: a POOL always, a HOLD since each city keeps its own (the one
    # shared HOLD of before, without a city, keeps the holds made before, until they are released or withdrawn).
    city = models.ForeignKey("reference.Region", verbose_name=_("city"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    SCOPE = ScopeRule(organisation="organisation", region="organisation__region", city="city")

    class Meta:
        db_table = "reserve_account"
        ordering = ["id"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=~Q(kind__in=["enterprise", "pool", "carbon", "hold"]),
                                    name="account_singletons"),
            models.UniqueConstraint(fields=["city"], condition=Q(kind="pool"), name="account_pool_per_city"),
            models.UniqueConstraint(fields=["city"], condition=Q(kind="hold"), name="account_hold_per_city"),
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="hold", city__isnull=True),
                                    name="account_one_shared_hold"),
            models.CheckConstraint(condition=Q(kind="pool", city__isnull=False) | Q(kind="hold")
                                   | (~Q(kind__in=["pool", "hold"]) & Q(city__isnull=True)),
                                   name="account_city_of_pool_or_hold"),
            models.UniqueConstraint(fields=["organisation"], condition=Q(kind="enterprise", reference=""),
                                    name="account_per_enterprise"),
            models.UniqueConstraint(fields=["organisation"], condition=Q(kind="carbon"), name="carbon_account_per_unit"),
            models.UniqueConstraint(fields=["organisation", "reference"], condition=~Q(reference=""),
                                    name="account_per_enterprise_reference"),
            models.CheckConstraint(condition=Q(kind="enterprise", organisation__isnull=False)
                                   | Q(kind="carbon", organisation__isnull=False, reference="")
                                   | (~Q(kind__in=["enterprise", "carbon"]) & Q(organisation__isnull=True) & Q(reference="")),
                                   name="account_owner_iff_enterprise"),
        ]

    def __str__(self):
        return account_name(self.kind, str(self.organisation) if self.organisation_id else "", self.reference,
                            self.label, self.city_id)


def account_name(kind: str, organisation: str, reference: str, label: str, city_id: int | None) -> str:
    """How an account is named on the pages: its kind, whose, for what (an Account, or a row of its values).
    AccountKind(...).label, not get_kind_display(): that rebuilds the choices with every call, and a page of the
    ledger names hundreds of accounts."""
    kind_label = AccountKind(kind).label
    if kind == AccountKind.ENTERPRISE and reference:
        return f"{kind_label}：{organisation}（{label or reference}）"
    if kind in OWNED_ACCOUNTS:
        return f"{kind_label}：{organisation}"
    if kind in (AccountKind.POOL, AccountKind.HOLD) and city_id:
        from quota_registry.jurisdiction import division_name

        return f"{kind_label}：{division_name(city_id)}"
    return str(kind_label)


class SourceKind(models.TextChoices):
    REDUCTION = "reduction", _("Reduction achieved")
    PLANNED_REDUCTION = "planned_reduction", _("Planned reduction")
    RETURNED_PURCHASE = "returned_purchase", _("Returned unused purchase")
    ABANDONED = "abandoned", _("Abandoned surplus")
    REVOKED = "revoked", _("Free quota of a revoked permit")
    # the carbon side's lots (t CO2e; issue 20)
    ALLOCATION = "allocation", _("Carbon allowance allocated by the province")
    ACQUIRED = "acquired", _("Carbon allowance acquired in the national market")
    CCER = "ccer", _("Certified voluntary emission reduction (CCER)")


CARBON_SOURCES = (SourceKind.ALLOCATION, SourceKind.ACQUIRED, SourceKind.CCER)
QUOTA_SOURCE_CHOICES = [c for c in SourceKind.choices if c[0] not in CARBON_SOURCES]  # what an entry may be


class LotQuerySet(models.QuerySet):
    def quota(self):
        """The pollutant quota's lots: those the reserve's pages, the expiry and the lot list show (not the carbon
        side's, which live in the same ledger)."""
        return self.exclude(source_kind__in=CARBON_SOURCES)


class LotStatus(models.TextChoices):
    PLANNED = "planned", _("Planned, not yet complete")
    ACTIVE = "active", _("Available")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Lot(models.Model):
    number = models.CharField(_("lot number"), max_length=20, unique=True)
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("issued quantity"), **QUANTITY)
    enterprise = models.ForeignKey("orgs.Organisation", verbose_name=_("origin enterprise"), on_delete=models.PROTECT,
                                   related_name="lots")
    region = models.ForeignKey("reference.Region", verbose_name=_("origin county"), on_delete=models.PROTECT,
                               related_name="lots")
    watershed = models.ForeignKey("reference.Watershed", verbose_name=_("watershed"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="lots")
    industry = models.ForeignKey("reference.Industry", verbose_name=_("industry"), on_delete=models.PROTECT,
                                 related_name="lots")
    source_kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    paid = models.BooleanField(_("paid (obtained for a fee)"), default=False)
    earmarked = models.BooleanField(_("reserved for major projects"), default=False)
    power_unit = models.BooleanField(_("from a thermal power unit (a captive one included)"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=LotStatus.choices, db_index=True)
    verified_on = models.DateField(_("verified on"))
    valid_until = models.DateField(_("valid until"))  # indexed with the id: the order the lot list walks
    completed_on = models.DateField(_("measure completed on"), null=True, blank=True)
    completion_evidence = models.CharField(_("completion evidence"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = LotQuerySet.as_manager()

    # Art 24: the ledger is public; a revoked lot is not shown as available quota. A city's staff see the lots of
    # their counties and those some of which their city's pool received from another city (issue 19).
    SCOPE = ScopeRule(organisation="enterprise", region="region", published=~Q(status="revoked"),
                      city_also=lambda ids: received_lots(ids))

    class Meta:
        db_table = "reserve_lot"
        ordering = ["valid_until", "id"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="lot_quantity_positive")]
        indexes = [models.Index(fields=["pollutant", "region", "status"]),
                   models.Index(fields=["valid_until", "id"], name="lot_valid_until_id"),
                   # the carbon side's few lots, by status: what the tallies of all lots count besides the quota's
                   models.Index(fields=["status"], condition=Q(source_kind__in=["allocation", "acquired", "ccer"]),
                                name="lot_carbon_status")]

    def __str__(self):
        return f"{self.number} {self.pollutant.code}"


def received_lot_ids(city_ids: list[int]) -> list[int]:
    """The lots some of which a transfer between cities moved into the pool of the city of `city_ids` (the city and
    its counties): from the movements from another city's pool into this one, read by the index on (to_account,
    from_account) in one small query."""
    pools = Account.objects.filter(kind=AccountKind.POOL)
    return list(Movement.objects.filter(to_account__in=pools.filter(city__in=city_ids),
                                        from_account__in=pools.exclude(city__in=city_ids))
                .order_by().values_list("lot_id", flat=True).distinct())


def received_lots(city_ids: list[int]) -> Q | None:
    """`received_lot_ids` as a condition on the lots' ids, or None: a list of ids, so that the lot list's filter stays
    an index scan (a subquery OR'd with the counties made it scan every lot of the province)."""
    ids = received_lot_ids(city_ids)
    return Q(pk__in=ids) if ids else None


class LedgerHead(models.Model):
    """The chain head: one row, locked by every posting so transactions form one hash chain."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    SCOPE = ScopeRule()

    class Meta:
        db_table = "reserve_ledgerhead"

    def __str__(self):
        return f"{self.sequence}:{self.hash[:12]}"


class TransactionKind(models.TextChoices):
    ISSUE = "issue", _("Entry into the pool")
    RETURN = "return", _("Return into the pool")
    HOLD = "hold", _("Hold for a withdrawal")
    RELEASE = "release", _("Hold released")
    WITHDRAW = "withdraw", _("Withdrawal")
    TRANSFER = "transfer", _("Transfer")
    EXPIRE = "expire", _("Expiry")
    REVOKE = "revoke", _("Revocation")
    REVERSAL = "reversal", _("Reversal")
    PLEDGE = "pledge", _("Pledge registered")
    UNPLEDGE = "unpledge", _("Pledge released")
    ALLOCATE = "allocate", _("Carbon allowance allocated")
    SURRENDER = "surrender", _("Carbon allowance surrendered")


class LedgerTransaction(models.Model):
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=TransactionKind.choices)
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("actor name"), max_length=150)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    subject_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject_label = models.CharField(_("subject"), max_length=60, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    # City staff see everything; the public (Art 24) sees every transaction through the public pages and
    # API, which show account kinds, never whose account.
    SCOPE = ScopeRule(published=Q())

    class Meta:
        db_table = "reserve_ledgertransaction"
        ordering = ["sequence"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        # by subject (a record's transactions); by time (a month's movements: the one-ledger, the reports)
        indexes = [models.Index(fields=["subject_type", "subject_id"]),
                   models.Index(fields=["created_at"], name="ledgertransaction_created")]

    def __str__(self):
        return f"#{self.sequence} {self.get_kind_display()}"


class Movement(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="movements")
    from_account = models.ForeignKey(Account, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    # indexed with from_account (movements from one account into another: what a city's pool received from another's)
    to_account = models.ForeignKey(Account, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

    SCOPE = ScopeRule(published=Q())

    class Meta:
        db_table = "reserve_movement"
        ordering = ["transaction_id", "id"]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(condition=~Q(from_account=models.F("to_account")), name="movement_accounts_differ"),
        ]
        indexes = [models.Index(fields=["lot", "transaction"]),
                   models.Index(fields=["to_account", "from_account"], name="movement_to_from")]

    def __str__(self):
        return f"{self.lot_id}: {self.from_account_id}->{self.to_account_id} {self.quantity}"


class Holding(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holdings")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="holdings")
    quantity = models.DecimalField(_("quantity"), default=0, **QUANTITY)

    SCOPE = ScopeRule(organisation="account__organisation", region="account__organisation__region")

    class Meta:
        db_table = "reserve_holding"
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [
            models.UniqueConstraint(fields=["account", "lot"], name="holding_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="holding_never_negative"),
        ]

    def __str__(self):
        return f"{self.account_id}/{self.lot_id}: {self.quantity}"


class LogLeaf(models.Model):
    """A ledger transaction as a leaf of the public log (ledger/log.py): its place in the tree, the leaf hash it had
    when it was integrated, and the salts of the commitments that stand for who (never published; an enterprise
    may have the openings of its own)."""

    index = models.PositiveBigIntegerField(_("log index"), primary_key=True)
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="log_leaf")
    hash = models.BinaryField(_("leaf hash"), max_length=32)
    salts = models.JSONField(_("commitment salts"), default=dict)

    class Meta:
        db_table = "ledger_logleaf"
        ordering = ["index"]
        verbose_name = _("log leaf")
        verbose_name_plural = _("log leaves")

    def __str__(self):
        return f"leaf {self.index}"


class LogNode(models.Model):
    """The hash of a complete subtree of the log: 2**level leaves from index * 2**level (level 0: the leaf hashes).
    Any tree head and any proof is made of these, so each needs O(log n) of them."""

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_lognode"
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="lognode_unique")]

    def __str__(self):
        return f"node {self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed tree head (c2sp.org/tlog-checkpoint as a signed note). Every one is kept."""

    tree_size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.CharField(_("root hash"), max_length=64)
    note = models.TextField(_("signed checkpoint"))
    key_name = models.CharField(_("key"), max_length=200)
    created_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        db_table = "ledger_checkpoint"
        ordering = ["-tree_size", "-id"]
        verbose_name = _("signed checkpoint")
        verbose_name_plural = _("signed checkpoints")

    def __str__(self):
        return f"checkpoint {self.tree_size}"


class LogReconciliation(models.Model):
    """One nightly reconciliation of the public log with the ledger (ledger/log.py `reconcile`), shown publicly."""

    ran_at = models.DateTimeField(_("run at"), auto_now_add=True)
    tree_size = models.PositiveBigIntegerField(_("tree size"))
    problems = models.JSONField(_("problems found"), default=list)
    # What the next run starts from (verify_ledger is incremental): the log's leaves 0..tree_size as their compact
    # range (hex hashes of the maximal complete subtrees), and the last ledger transaction checked. A full run starts
    # from nothing.
    full = models.BooleanField(_("everything checked"), default=True, db_default=True)
    from_size = models.PositiveBigIntegerField(_("checked from leaf"), default=0, db_default=0)
    sequence = models.PositiveBigIntegerField(_("ledger checked up to transaction"), default=0, db_default=0)
    head_hash = models.CharField(_("its hash"), max_length=64, blank=True, default="", db_default="")
    compact_range = models.JSONField(_("compact range"), null=True, blank=True)
    seconds = models.DecimalField(_("duration (s)"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        db_table = "ledger_logreconciliation"
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        return f"reconciliation {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_verifier_key(value: str) -> None:
    """A witness's key must be a note verifier key of an Ed25519 key (<name>+<key hash>+<base64 key>)."""
    from django.core.exceptions import ValidationError

    from accounting import merkle

    try:
        merkle.parse_verifier_key(value, merkle.COSIGNATURE_V1)
    except (ValueError, TypeError) as exc:
        raise ValidationError(_("Give the witness's cosigner key (c2sp.org/tlog-cosignature, type 0x04): "
                                "<name>+<8 hex digits>+<base64 key>.")) from exc


class Witness(models.Model):
    """Another party that checks the log's consistency and cosigns its checkpoints (the provincial bureau, an
    auditor): its name and verifier key, registered by the city."""

    name = models.CharField(_("witness"), max_length=200, unique=True)
    key = models.CharField(_("verifier key"), max_length=300, validators=[validate_verifier_key])
    active = models.BooleanField(_("active"), default=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        db_table = "ledger_witness"
        ordering = ["name"]
        verbose_name = _("log witness")
        verbose_name_plural = _("log witnesses")

    def __str__(self):
        return self.name


class Cosignature(models.Model):
    """A witness's cosignature on a checkpoint it found consistent with the last one it saw (c2sp.org/tlog-cosignature:
    a signature line over "cosignature/v1", the time and the checkpoint's body)."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    signature = models.CharField(_("signature line"), max_length=300)
    signed_at = models.DateTimeField(_("cosigned at (the witness's time)"), null=True, blank=True)
    created_at = models.DateTimeField(_("cosigned at"), auto_now_add=True)

    class Meta:
        db_table = "ledger_cosignature"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_per_witness")]

    def __str__(self):
        return f"{self.witness} on {self.checkpoint}"
