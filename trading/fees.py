"""Paid-use fees (排污权有偿使用费): recorded by the city for quota an enterprise obtained by paid use (Qujing Art 2),
paid (one payment or several, each with its receipt) or waived through the steps of the workflow engine (the `fee`
kind, trading/workflows.py); this module holds what those steps check and do, and the two rules that read the
fees:

- seed 001 Art 21: an enterprise transfers quota only once it has paid its fees in full (`check_paid_in_full`, asked
  when the offer is made, announced and confirmed);
- seed 003 Art 18: the quota of an unbuilt project obtained for a fee may be traded, quota obtained free may not
  (`project_account_paid`, read by the rule set)."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounting import money
from ledger.models import Account, AccountKind
from quota_registry import inputs
from quota_registry.audit.services import record, snapshot
from quota_registry.files.services import attachments_add
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import CITY_ROLES, OrganisationKind, Role, User
from quota_registry.review.services import next_number

from .models import FeeStatus, PaidUseFee


@transaction.atomic
def fee_create(*, actor, enterprise, pollutant, quantity, amount_due, due_date: datetime.date, basis: str,
               account=None, origin_label: str = "") -> PaidUseFee:
    """City staff record the fee of quota an enterprise obtained by paid use. Refused with the field and the limit."""
    if getattr(actor, "role", None) not in CITY_ROLES:
        raise PermissionDenied(_("Paid-use fees are recorded by the city bureau."))
    errors = {}
    if enterprise is None or enterprise.kind != OrganisationKind.ENTERPRISE or not enterprise.is_active:
        errors["enterprise"] = _("Choose an active enterprise.")

    def checked(check):
        try:
            return check()
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            return None

    limit = {name: PaidUseFee._meta.get_field(name).max_length for name in ("basis", "origin_label")}
    quantity = checked(lambda: inputs.check_quantity(quantity, field="quantity", unit=getattr(pollutant, "unit", ""),
                                                     label=_("Quantity obtained by paid use")))
    amount_due = checked(lambda: inputs.check_amount(amount_due, field="amount_due", label=_("Amount due")))
    if amount_due is not None and amount_due <= 0:
        errors["amount_due"] = _("Amount due must be more than zero.")
    basis = checked(lambda: inputs.check_text(basis, field="basis", label=_("Document that set the fee"),
                                              limit=limit["basis"], required=True))
    origin_label = checked(lambda: inputs.check_text(origin_label, field="origin_label", label=_("Arising from"),
                                                     limit=limit["origin_label"]))
    if pollutant is None:
        errors["pollutant"] = _("Choose the pollutant factor.")
    if not isinstance(due_date, datetime.date):
        errors["due_date"] = _("Give the date by which the fee is to be paid.")
    if account is not None and (account.kind != AccountKind.ENTERPRISE or account.organisation_id != getattr(
            enterprise, "pk", None)):
        errors["account"] = _("Choose one of the enterprise's own accounts.")
    if errors:
        raise ValidationError(errors)
    if account is None and origin_label:  # a withdrawal's number names its project's account
        account = Account.objects.filter(kind=AccountKind.ENTERPRISE, organisation=enterprise,
                                         reference=origin_label).first()
    fee = PaidUseFee.objects.create(
        number=next_number("YF", region=enterprise.region_id), enterprise=enterprise, region=enterprise.region,
        pollutant=pollutant,
        quantity=quantity, account=account, origin_label=origin_label, basis=basis, amount_due=amount_due,
        due_date=due_date, created_by=actor)
    record(actor=actor, action="fee.create", obj=fee, after=snapshot(fee))
    notify(recipients=User.objects.filter(organisation=enterprise, role=Role.ENTERPRISE_USER, is_active=True),
           subject=_("Paid-use fee %(number)s: %(amount)s due by %(date)s") % {
               "number": fee.number, "amount": money.show(amount_due, "元"), "date": f"{due_date:%Y-%m-%d}"},
           link=fee.get_absolute_url())
    return fee


# --- the steps (trading/workflows.py) -------------------------------------------------------------------------------

def check_payment(actor, fee, values) -> None:
    amount = values["amount"]
    if amount <= 0:
        raise ValidationError({"amount": _("Amount paid must be more than zero.")})
    left = fee.amount_due - fee.amount_paid
    if amount > left:
        raise ValidationError({"amount": _("Only %(left)s is still due; %(amount)s was given.") % {
            "left": money.show(left, "元"), "amount": money.show(amount, "元")}})


def paid_after(fee, values) -> str:
    """Paid in full once the payments reach the amount due, else still due."""
    return FeeStatus.PAID if fee.amount_paid + values["amount"] >= fee.amount_due else FeeStatus.DUE


def pay(ctx) -> None:
    fee, values = ctx.record, ctx.values
    fee.amount_paid += values["amount"]
    fee.last_paid_on = values["paid_on"]
    fee.receipts = "、".join(r for r in (fee.receipts, values["receipt"]) if r)[:300]
    fee.save(update_fields=["amount_paid", "last_paid_on", "receipts"])
    attachments_add(actor=ctx.actor, owner=fee, files=values.get("files") or (), purpose=_("payment receipt"),
                    organisation=fee.enterprise, region=fee.region)


def waive(ctx) -> None:
    ctx.record.waive_reason = ctx.decision.opinion
    ctx.record.save(update_fields=["waive_reason"])


# --- the rules that read the fees -----------------------------------------------------------------------------------

def unpaid(enterprise, pollutant=None):
    """The enterprise's fees not yet paid in full (of one factor)."""
    qs = PaidUseFee.objects.filter(enterprise=enterprise, status=FeeStatus.DUE)
    return qs.filter(pollutant=pollutant) if pollutant is not None else qs


def check_paid_in_full(seller, pollutant) -> None:
    """Seed 001 Art 21: a seller transfers quota only once its paid-use fees (for the factor offered) are paid in full.
    Refused naming each fee and what is still due."""
    if seller is None:
        return  # the city reserve's own sales
    rows = list(unpaid(seller, pollutant).order_by("due_date", "id"))
    if rows:
        owed = "；".join(_("%(number)s: %(left)s still due") % {
            "number": f.number, "left": money.show(f.amount_due - f.amount_paid, "元")} for f in rows)
        raise ValidationError(_("%(seller)s has not paid its paid-use fees in full (%(article)s): %(owed)s.") % {
            "seller": seller.name, "article": _("seed 001 Art 21"), "owed": owed})


def fee_position(seller, pollutant) -> dict:
    """What the trade's page shows of Art 21: the fees of the factor, paid and outstanding."""
    fees = PaidUseFee.objects.filter(enterprise=seller, pollutant=pollutant).exclude(status=FeeStatus.WAIVED)
    totals = fees.aggregate(due=Sum("amount_due"), paid=Sum("amount_paid"))
    due, paid = totals["due"] or Decimal("0"), totals["paid"] or Decimal("0")
    return {"fees": list(fees.order_by("due_date", "id")), "due": due, "paid": paid, "outstanding": due - paid}


def project_account_paid(account, pollutant) -> bool:
    """Seed 003 Art 18: a project's quota of a factor was obtained for a fee when a fee of that factor recorded for its
    account is paid in full (quota withdrawn without a fee was obtained free)."""
    return PaidUseFee.objects.filter(account=account, pollutant=pollutant, status=FeeStatus.PAID).exists()
