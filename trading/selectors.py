"""Reads of permit-change obligations, scoped to the user."""
from __future__ import annotations

import datetime
import operator
from functools import reduce

from django.db.models import Count, Q
from django.utils import timezone

from quota_registry.access import scope, scope_condition
from quota_registry.workdays import WorkdayCalendar

from .models import ObligationStatus, PermitChangeObligation

DUE_SOON_WORKING_DAYS = 10


def due_soon_limit(today: datetime.date, calendar: WorkdayCalendar | None = None) -> datetime.date:
    return (calendar or WorkdayCalendar.load()).add_working_days(today, DUE_SOON_WORKING_DAYS).date


def obligations(user, *, today=None, state: str = "", region: str = ""):
    """Obligations in scope; `state`: open (not confirmed), due_soon, overdue, confirmed."""
    today = today or timezone.localdate()
    qs = scope(user, PermitChangeObligation.objects.select_related("enterprise", "region", "origin_type"))
    if region:
        qs = qs.filter(region__code=region)
    pending = ~Q(status=ObligationStatus.CONFIRMED)
    if state == "open":
        qs = qs.filter(pending)
    elif state == "overdue":
        qs = qs.filter(pending, due_date__lt=today)
    elif state == "due_soon":
        qs = qs.filter(pending, due_date__gte=today, due_date__lte=due_soon_limit(today))
    elif state == "confirmed":
        qs = qs.filter(status=ObligationStatus.CONFIRMED)
    return qs


def counts(user, *, today=None) -> dict:
    today = today or timezone.localdate()
    # Only what is not confirmed, counted by a column of the partial index obligation_pending_due: the index
    # alone answers, without reading the obligations.
    pending = scope(user, PermitChangeObligation).exclude(status=ObligationStatus.CONFIRMED)
    return pending.aggregate(
        open=Count("due_date"),
        due_soon=Count("due_date", filter=Q(due_date__gte=today, due_date__lte=due_soon_limit(today))),
        overdue=Count("due_date", filter=Q(due_date__lt=today)),
    )


def trades(user):
    """Trades the user may see: through the scoping function (own as seller, own county, city staff),
    the public announcements and published deals, and those the user's enterprise takes part in."""
    from django.contrib.auth.models import AnonymousUser

    from .models import Trade, TradeParty

    # One condition, not a subquery per part: a bid reads its trade through this (docs/benchmarks.md, bidding).
    parts = [scope_condition(user, Trade), scope_condition(AnonymousUser(), Trade)]
    if True in parts:
        return Trade.objects.all()
    if getattr(user, "organisation_id", None):
        parts.append(Q(pk__in=TradeParty.objects.filter(organisation_id=user.organisation_id).values("trade")))
    conditions = [p for p in parts if p is not False]
    if not conditions:
        return Trade.objects.none()
    return Trade.objects.filter(reduce(operator.or_, conditions))
