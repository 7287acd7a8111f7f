"""Trades, reference prices (later) and the permit-change obligations of Art 17."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule
from quota_registry.inputs import NOTE, REASON


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
    # What transferred the reduction: an approved withdrawal or a confirmed trade (any record: the obligation does
    # not depend on where the transfer was decided); one obligation per enterprise and origin.
    origin_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    origin_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin_label = models.CharField(_("arising from"), max_length=30, blank=True)  # the record's number
    transferred = models.JSONField(_("transferred quantities"), default=list)  # [{pollutant, unit, lot, quantity}]
    destination = models.CharField(_("where the quota went"), max_length=300)
    measure_completed_on = models.DateField(_("measure completed on"))
    approved_on = models.DateField(_("transfer approved on"))
    base_date = models.DateField(_("counted from"))  # the later of completion and approval
    working_days = models.PositiveSmallIntegerField(_("working days allowed"))
    due_date = models.DateField(_("due date"), db_index=True)
    provisional = models.BooleanField(_("due date provisional"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    filed_at = models.DateTimeField(_("permit change applied for at"), null=True, blank=True)
    filed_by = models.ForeignKey("orgs.User", verbose_name=_("applied for by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    filing_note = models.TextField(_("note on the application"), blank=True, max_length=NOTE)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey("orgs.User", verbose_name=_("confirmed by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    permit_number = models.CharField(_("changed permit number"), max_length=40, blank=True)
    permit_version = models.CharField(_("permit version or date of change"), max_length=40, blank=True)
    recorded_measure = models.CharField(_("measure recorded in the permit"), max_length=300, blank=True)
    recorded_reduction = models.CharField(_("reduction recorded in the permit"), max_length=300, blank=True)
    recorded_transfer = models.CharField(_("amount transferred and destination recorded in the permit"),
                                         max_length=300, blank=True)

    SCOPE = ScopeRule(organisation="enterprise", region="region")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("permit-change obligation")
        verbose_name_plural = _("permit-change obligations")
        # The dashboards count what is not yet confirmed: few rows among the years of confirmed ones.
        # The inboxes count one state in a city's counties (a filed change awaiting the city): the state first.
        indexes = [models.Index(fields=["region", "due_date"], condition=~Q(status="confirmed"),
                                name="obligation_pending_due"),
                   models.Index(fields=["status", "region"], name="obligation_status_region"),
                   # a withdrawal's or a trade's own obligations (its page): 53 ms at the province scale without it
                   models.Index(fields=["origin_type", "origin_id"], name="obligation_origin")]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "origin_type", "origin_id"], condition=Q(origin_id__isnull=False),
                                    name="obligation_one_per_enterprise_and_origin"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.due_date}"

    def origin_url(self) -> str:
        """The page of the record that transferred the quota (its get_absolute_url), or ''."""
        if not self.origin_type_id:
            return ""
        origin = self.origin_type.model_class()._default_manager.filter(pk=self.origin_id).first()
        return origin.get_absolute_url() if origin is not None else ""

    def is_overdue(self, today) -> bool:
        """Overdue from the day after the due date until the changed permit is confirmed."""
        return self.status != ObligationStatus.CONFIRMED and today > self.due_date


class ReminderKind(models.TextChoices):
    D10 = "d10", _("10 working days before the due date")
    D5 = "d5", _("5 working days before the due date")
    D1 = "d1", _("1 working day before the due date")
    OVERDUE = "overdue", _("first overdue day")


REMINDER_THRESHOLDS = [(ReminderKind.D1, 1), (ReminderKind.D5, 5), (ReminderKind.D10, 10)]


class ObligationReminder(models.Model):
    """One reminder of one kind for one obligation: the unique row makes sending idempotent."""

    obligation = models.ForeignKey(PermitChangeObligation, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(_("reminder"), max_length=8, choices=ReminderKind.choices)
    sent_on = models.DateField(_("sent on"))
    skipped = models.BooleanField(_("skipped (a later reminder was already due)"), default=False)

    SCOPE = ScopeRule(organisation="obligation__enterprise", region="obligation__region")

    class Meta:
        ordering = ["obligation_id", "sent_on"]
        verbose_name = _("permit-change reminder")
        verbose_name_plural = _("permit-change reminders")
        constraints = [models.UniqueConstraint(fields=["obligation", "kind"], name="reminder_once_per_kind")]

    def __str__(self):
        return f"{self.obligation_id} {self.kind}"



PRICE = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 20, "decimal_places": 4}


class ReferencePrice(models.Model):
    """A city's non-binding reference price of a factor (Annex 6; Arts 18-20): 元/吨 for t/a factors,
    元/千克 for heavy metals. A new price closes the one before; history is kept. Each city sets its own (issue 19)."""

    city = models.ForeignKey("reference.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT,
                                  related_name="reference_prices")
    price = models.DecimalField(_("price"), **PRICE)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    document = models.CharField(_("document that set it"), max_length=200)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    SCOPE = ScopeRule(public=True)

    class Meta:
        ordering = ["pollutant__sort_order", "-effective_from"]
        verbose_name = _("reference price")
        verbose_name_plural = _("reference prices")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="reference_price_positive"),
            models.UniqueConstraint(fields=["city", "pollutant", "effective_from"], name="reference_price_one_per_day"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="reference_price_period_ordered"),
        ]

    def __str__(self):
        return f"{self.pollutant.code} {self.price} {self.effective_from}"

    @property
    def unit(self) -> str:
        return "元/千克" if self.pollutant.unit == "kg/a" else "元/吨"


class TradeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for")
    ANNOUNCED = "announced", _("Announced")
    TRADING = "trading", _("Trading")
    TRADED = "traded", _("Deal struck")
    CONTRACTED = "contracted", _("Contract signed")
    SETTLED = "settled", _("Settled")
    CONFIRMED = "confirmed", _("Confirmed")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class TradeMethod(models.TextChoices):
    NEGOTIATED = "negotiated", _("Negotiated transfer")
    BIDDING = "bidding", _("Public bidding")
    FIXED = "fixed", _("Fixed-quota sale")


class Trade(models.Model):
    """A sale of quota: by the city reserve (seller = None) or by an enterprise holding quota."""

    number = models.CharField(_("trade number"), max_length=20, unique=True)
    seller = models.ForeignKey("orgs.Organisation", verbose_name=_("seller"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="sales")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("quantity offered"), **QUANTITY)
    rule_set = models.CharField(_("rule set"), max_length=20, blank=True)  # decided when applied for (jurisdiction)
    status = models.CharField(_("status"), max_length=12, choices=TradeStatus.choices, default=TradeStatus.APPLIED)
    method = models.CharField(_("method"), max_length=12, choices=TradeMethod.choices, blank=True)
    suggested_method = models.CharField(_("method the rules suggest"), max_length=12, choices=TradeMethod.choices,
                                        blank=True)
    method_reason = models.TextField(_("basis of the method"), blank=True)
    starting_price = models.DecimalField(_("starting price"), null=True, blank=True, **PRICE)
    increment = models.DecimalField(_("minimum increment"), null=True, blank=True, **PRICE)
    # seed 001 Art 17: the announcement period, and the trade notice (交易通知书: the method and the trading date)
    # due within 5 working days from the day after it ends
    announcement_ends = models.DateField(_("announcement period ends"), null=True, blank=True)
    notice_due = models.DateField(_("trade notice due"), null=True, blank=True)
    notice_issued_at = models.DateTimeField(_("trade notice issued at"), null=True, blank=True)
    trading_date = models.DateField(_("trading date"), null=True, blank=True)
    bidding_opens = models.DateTimeField(_("bidding opens"), null=True, blank=True)
    bidding_closes = models.DateTimeField(_("bidding closes"), null=True, blank=True)
    # timed e-bidding: the parameters the city sets with the method (the rule varies between platforms)
    deposit_amount = models.DecimalField(_("registration deposit"), null=True, blank=True, **PRICE)
    extension_minutes = models.PositiveSmallIntegerField(_("extension when bid in the last minutes"), default=5,
                                                         db_default=5)
    max_bids = models.PositiveSmallIntegerField(_("most bids a bidder may place"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    hold_transaction = models.ForeignKey("ledger.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, max_length=REASON)

    # Sellers see their trades, counties the trades of their county, city staff all. Announced trades are
    # public (the announcement invites buyers; seed 001 Art 16) and so are their deals once published
    # (Art 22); buyers also see the trades they take part in (selectors.trades).
    SCOPE = ScopeRule(organisation="seller", region="region", published=Q(status__in=[
        "announced", "trading", "traded", "contracted", "settled", "confirmed", "published"]))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("trade")
        verbose_name_plural = _("trades")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="trade_quantity_positive")]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("trading:trade-detail", args=[self.pk])

    @property
    def seller_name(self) -> str:
        return self.seller.name if self.seller_id else str(_("City reserve pool"))


class TradeLot(models.Model):
    """Which lots (from which account) make up the offer; held from announcement until confirmation."""

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey("ledger.Lot", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

    SCOPE = ScopeRule(organisation="trade__seller", region="trade__region")

    class Meta:
        ordering = ["trade_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="trade_lot_quantity_positive")]

    def __str__(self):
        return f"{self.trade_id} {self.lot_id} {self.quantity}"


class PartyRole(models.TextChoices):
    SELLER = "seller", _("Seller")
    BUYER = "buyer", _("Buyer")


class PartyStatus(models.TextChoices):
    PENDING = "pending", _("Qualification pending")
    QUALIFIED = "qualified", _("Qualification approved")
    REFUSED = "refused", _("Qualification refused")


class TradeParty(models.Model):
    """A party and its qualification by its bureau, due within 5 working days (seed 001 Arts 13, 15). The decision
    (who, when, opinion) is the party's decision record (quota_registry/review: the engine's `party` kind)."""

    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="parties")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="trade_parties")
    role = models.CharField(_("role"), max_length=8, choices=PartyRole.choices)
    wanted_quantity = models.DecimalField(_("quantity wanted"), null=True, blank=True, **QUANTITY)
    # seed 001 Art 18: for a major project of an industry the state encourages or the province fosters (verified
    # by the buyer's bureau with its qualification)
    major_project = models.BooleanField(_("for a major project (green channel)"), default=False)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    qualification_due = models.DateField(_("qualification due"))
    status = models.CharField(_("qualification"), max_length=10, choices=PartyStatus.choices,
                              default=PartyStatus.PENDING)

    SCOPE = ScopeRule(organisation="organisation", region="organisation__region")

    class Meta:
        ordering = ["trade_id", "applied_at", "id"]
        constraints = [models.UniqueConstraint(fields=["trade", "organisation"], name="trade_party_once")]

    def __str__(self):
        return f"{self.trade_id} {self.organisation_id} {self.role}"


class Bid(models.Model):
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="bids")
    party = models.ForeignKey(TradeParty, on_delete=models.PROTECT, related_name="bids")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    placed_at = models.DateTimeField(_("placed at"))

    SCOPE = ScopeRule(organisation="party__organisation", region="trade__region")

    class Meta:
        ordering = ["-unit_price", "placed_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0) & Q(unit_price__gt=0), name="bid_positive")]

    def __str__(self):
        return f"{self.party_id} {self.quantity}@{self.unit_price}"


class Deal(models.Model):
    """What one buyer gets, at what price, and its settlement through the third party (seed 001 Art 20)."""

    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="deals")
    buyer = models.ForeignKey("orgs.Organisation", verbose_name=_("buyer"), on_delete=models.PROTECT,
                              related_name="purchases")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    amount = models.DecimalField(_("amount (元)"), max_digits=18, decimal_places=2)
    reference_price = models.DecimalField(_("reference price at the time"), null=True, blank=True, **PRICE)
    buyer_paid_at = models.DateTimeField(_("buyer's payment received at"), null=True, blank=True)
    buyer_fee = models.DecimalField(_("buyer's service fee"), default=0, **PRICE)
    seller_fee = models.DecimalField(_("seller's service fee"), default=0, **PRICE)
    seller_paid_at = models.DateTimeField(_("paid to the seller at"), null=True, blank=True)

    SCOPE = ScopeRule(organisation="buyer", region="trade__region", published=Q(trade__status="published"))

    class Meta:
        ordering = ["trade_id", "-unit_price", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0) & Q(unit_price__gt=0), name="deal_positive")]

    def __str__(self):
        return f"{self.trade_id} {self.buyer_id} {self.quantity}@{self.unit_price}"

    @property
    def settled(self) -> bool:
        return self.buyer_paid_at is not None and self.seller_paid_at is not None


class FeeStatus(models.TextChoices):
    DUE = "due", _("Not paid in full")
    PAID = "paid", _("Paid in full")
    WAIVED = "waived", _("Waived")


AMOUNT = {"max_digits": 16, "decimal_places": 2}


class PaidUseFee(models.Model):
    """The paid-use fee (排污权有偿使用费) of quota an enterprise obtained by paid use (Qujing Art 2: quota is allocated
    by paid use and trading): what is due, what was paid, the receipts. An enterprise transfers quota only once its
    fees for that factor are paid in full (seed 001 Art 21); quota of a project account counts as obtained for a fee
    once its fee is paid (seed 003 Art 18). Payments and waivers are steps of the workflow engine (the `fee` kind);
    each payment is a decision record with its amount, date and receipt."""

    number = models.CharField(_("fee number"), max_length=20, unique=True)
    enterprise = models.ForeignKey("orgs.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="paid_use_fees")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    pollutant = models.ForeignKey("reference.Pollutant", verbose_name=_("pollutant factor"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("quantity obtained by paid use"), **QUANTITY)
    # the enterprise's account that holds the quota (a project's account, or its general one); empty when the fee
    # is for the factor as a whole
    account = models.ForeignKey("ledger.Account", verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    origin_label = models.CharField(_("arising from"), max_length=40, blank=True)  # e.g. a withdrawal's number
    basis = models.CharField(_("document that set the fee"), max_length=200)
    amount_due = models.DecimalField(_("amount due (yuan)"), **AMOUNT)
    amount_paid = models.DecimalField(_("amount paid (yuan)"), default=0, **AMOUNT)
    due_date = models.DateField(_("to be paid by"))
    last_paid_on = models.DateField(_("last paid on"), null=True, blank=True)
    receipts = models.CharField(_("receipt numbers"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=FeeStatus.choices, default=FeeStatus.DUE)
    waive_reason = models.TextField(_("reason for waiving"), blank=True, max_length=REASON)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="enterprise", region="region")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("paid-use fee")
        verbose_name_plural = _("paid-use fees")
        indexes = [models.Index(fields=["enterprise", "pollutant"], condition=Q(status="due"), name="fee_unpaid")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(amount_due__gt=0), name="fee_positive"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=models.F("amount_due")),
                                   name="fee_paid_within_due"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("trading:fee-detail", args=[self.pk])

    @property
    def outstanding(self):
        return self.amount_due - self.amount_paid if self.status == FeeStatus.DUE else 0


class PledgeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for registration")
    REGISTERED = "registered", _("Registered (in force)")
    REFUSED = "refused", _("Registration refused")
    RELEASED = "released", _("Released (repaid)")
    DEFAULTED = "defaulted", _("Enforced on default")


class Pledge(models.Model):
    """排污权抵押 (seed 001 Arts 6, 12(7)): an enterprise pledges quota it holds to a bank as security for a loan. Once
    the city registers it, the quantity sits in the ledger's PLEDGED account (it cannot be withdrawn, returned, traded or
    pledged again); it goes back on repayment, or on default is sold through a trade whose proceeds serve the bank.
    Registered, refused, released and enforced through the workflow engine (the `pledge` kind)."""

    number = models.CharField(_("pledge number"), max_length=20, unique=True)
    enterprise = models.ForeignKey("orgs.Organisation", verbose_name=_("pledgor (enterprise)"),
                                   on_delete=models.PROTECT, related_name="pledges_given")
    bank = models.ForeignKey("orgs.Organisation", verbose_name=_("pledgee (bank)"), on_delete=models.PROTECT,
                             related_name="pledges_held")
    region = models.ForeignKey("reference.Region", verbose_name=_("county-level division"), on_delete=models.PROTECT,
                               related_name="+")
    lot = models.ForeignKey("ledger.Lot", verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", verbose_name=_("from the account"), on_delete=models.PROTECT,
                                related_name="+")
    quantity = models.DecimalField(_("quantity pledged"), **QUANTITY)
    contract_number = models.CharField(_("pledge contract number"), max_length=60)
    secured_amount = models.DecimalField(_("amount secured (yuan)"), **AMOUNT)
    starts_on = models.DateField(_("pledge period from"))
    ends_on = models.DateField(_("pledge period until"))
    status = models.CharField(_("status"), max_length=10, choices=PledgeStatus.choices, default=PledgeStatus.APPLIED)
    encumbrance = models.ForeignKey("ledger.LedgerTransaction", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # the ledger transaction that moved it to PLEDGED
    trade = models.ForeignKey(Trade, verbose_name=_("enforcement sale"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="pledges")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    SCOPE = ScopeRule(organisation="enterprise", region="region", bank="bank")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(secured_amount__gt=0), name="pledge_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="pledge_period_ordered"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("trading:pledge-detail", args=[self.pk])


class DepositStatus(models.TextChoices):
    DUE = "due", _("To be paid")
    CONFIRMED = "confirmed", _("Received: may bid")
    APPLIED = "applied", _("Counted toward the price")
    RELEASED = "released", _("Released")
    FORFEITED = "forfeited", _("Forfeited")


class Deposit(models.Model):
    """A bidder's registration deposit (保证金) for a timed e-bidding: confirmed before it may bid; at the close the
    winner's counts toward the price and the others' are released; a winner that does not sign or pay forfeits it.
    Through the workflow engine (the `deposit` kind)."""

    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="deposits")
    party = models.OneToOneField(TradeParty, on_delete=models.PROTECT, related_name="deposit")
    amount = models.DecimalField(_("deposit"), **PRICE)
    status = models.CharField(_("status"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.DUE)
    receipt = models.CharField(_("receipt"), max_length=60, blank=True)
    confirmed_at = models.DateTimeField(_("received at"), null=True, blank=True)

    SCOPE = ScopeRule(organisation="party__organisation", region="trade__region")

    class Meta:
        ordering = ["trade_id", "id"]
        verbose_name = _("bidding deposit")
        verbose_name_plural = _("bidding deposits")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_positive")]

    def __str__(self):
        return f"{self.trade_id} {self.party_id} {self.amount}"

    def get_absolute_url(self):
        return reverse("trading:trade-detail", args=[self.trade_id])
