"""The daily expiry job: lots past their valid-until date leave the pool for the EXPIRED account through
the posting service; holders and the city are told 90 and 30 days ahead. Each lot is handled in its own
transaction, so a crash leaves finished lots finished and the next run picks up the rest."""
from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import services as ledger
from ledger.models import AccountKind, Holding, Lot, LotStatus, TransactionKind
from quota_registry.jurisdiction import city_id_of
from quota_registry.notifications.services import notify
from quota_registry.orgs.models import Role, User
from quota_registry.orgs.selectors import city_staff

from .models import LotExpiryNotice

NOTICE_DAYS = (90, 30)


def lot_staff(lot) -> list:
    """The reviewers and approvers of the lot's city and of every other city whose pool holds some of it (a transfer
    between cities, issue 19): each is told of what its own pool holds."""
    cities = set(Holding.objects.filter(lot=lot, account__kind=AccountKind.POOL, quantity__gt=0)
                 .exclude(account__city_id=city_id_of(lot.region_id))
                 .values_list("account__city_id", flat=True))
    roles = {Role.CITY_REVIEWER, Role.CITY_APPROVER}
    return [user for region_id in (lot.region_id, *sorted(cities)) for user in city_staff(region_id, roles)]


def _holders(lot):
    """The origin enterprise, enterprises holding some of the lot, and the staff of the cities whose it is."""
    orgs = set(Holding.objects.filter(lot=lot, account__kind=AccountKind.ENTERPRISE, quantity__gt=0)
               .values_list("account__organisation", flat=True)) | {lot.enterprise_id}
    return [*User.objects.filter(is_active=True, organisation__in=orgs, role=Role.ENTERPRISE_USER), *lot_staff(lot)]


def notify_expiring(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    sent = 0
    for days in NOTICE_DAYS:
        horizon = today + datetime.timedelta(days=days)
        lots = Lot.objects.quota().filter(status__in=[LotStatus.ACTIVE, LotStatus.PLANNED], valid_until__gt=today,
                                  valid_until__lte=horizon).exclude(expiry_notices__days_ahead=days)
        for lot in lots.select_related("pollutant"):
            try:
                with transaction.atomic():
                    LotExpiryNotice.objects.create(lot=lot, days_ahead=days, sent_on=today)
                    notify(recipients=_holders(lot), subject=_("Lot %(lot)s (%(factor)s) expires on %(date)s") % {
                        "lot": lot.number, "factor": lot.pollutant.name, "date": f"{lot.valid_until:%Y-%m-%d}"},
                        body=_("What is left of it in the pool will then expire and can no longer be withdrawn."),
                        link=reverse("reserve:lot-detail", args=[lot.pk]))
                    sent += 1
            except IntegrityError:
                continue  # a parallel run sent it
    return sent


def expire_lots(*, today: datetime.date | None = None) -> int:
    """Lots whose validity ended leave the pool for EXPIRED: the "expire" step of each, by the system, each in a
    transaction of its own (a crash leaves finished lots finished; a lot expired meanwhile is skipped)."""
    from quota_registry.review import engine

    today = today or timezone.localdate()
    expired = 0
    for pk in Lot.objects.quota().filter(status__in=[LotStatus.ACTIVE, LotStatus.PLANNED], valid_until__lt=today).values_list(
            "pk", flat=True):
        try:
            engine.perform(actor=None, model=Lot, pk=pk, action="expire")
        except engine.TransitionNotAllowed:
            continue  # done by a parallel run
        expired += 1
    return expired


def expire_effect(ctx) -> None:
    """What is left of the lot in the pool moves to the EXPIRED account."""
    lot = ctx.record
    sink = ledger.account(AccountKind.EXPIRED)
    # what is left in any city's pool (a transfer between cities may have moved part of the lot to another's)
    legs = [ledger.Leg(lot, h.account, sink, h.quantity) for h in
            Holding.objects.filter(lot=lot, account__kind=AccountKind.POOL, quantity__gt=0).select_related("account")]
    if legs:
        ledger.post(actor=None, kind=TransactionKind.EXPIRE, legs=legs, subject=lot,
                    memo=_("Lot %(lot)s expired on %(date)s") % {"lot": lot.number, "date": f"{lot.valid_until:%Y-%m-%d}"})
