"""The province's one-ledger (一本账, seed 002 Art 7; issue 19), read from the ledger: the flows into and out of each
city's pool, month by month, summed by accounting.onebook. The monthly job stores each city's report for the month
just ended (`report_month`): the reports arrive without anyone sending them, and what was reported stays as it was.
"""
from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounting import onebook
from ledger.models import AccountKind, Movement
from quota_registry import jurisdiction
from quota_registry.reference.models import Pollutant

from .models import CityMonthReport


def month_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def flows(*, until: str | None = None) -> list[onebook.Flow]:
    """Every flow into or out of a city's pool, summed per month, factor and the two accounts' kinds and cities (one
    grouped query over the movements), up to the month `until` included."""
    pools = Q(from_account__kind=AccountKind.POOL) | Q(to_account__kind=AccountKind.POOL)
    rows = (Movement.objects.filter(pools).annotate(month=TruncMonth("transaction__created_at"))
            .values("month", "lot__pollutant__code", "from_account__kind", "from_account__city_id", "to_account__kind",
                    "to_account__city_id").annotate(quantity=Sum("quantity")).order_by())
    found = []
    for r in rows:
        month = month_of(r["month"])
        if until is not None and month > until:
            continue
        found.append(onebook.Flow(month, r["lot__pollutant__code"], r["from_account__kind"], r["from_account__city_id"],
                                  r["to_account__kind"], r["to_account__city_id"], r["quantity"]))
    return found


def one_ledger(months: list[str], *, city_ids: list[int] | None = None) -> list[onebook.Row]:
    """The one-ledger's rows for `months` (every city's, or those of `city_ids`, and the province's sum)."""
    cities = city_ids if city_ids is not None else list(jurisdiction.cities().values_list("pk", flat=True))
    factors = list(Pollutant.objects.values_list("code", flat=True))
    return onebook.book(flows(until=months[-1]), cities=cities, factors=factors, months=months)


@transaction.atomic
def report_month(month: str) -> list[CityMonthReport]:
    """Each city's report for `month` (a month that has ended), stored once: a later run leaves it as it was."""
    if CityMonthReport.objects.filter(month=month).exists():
        return []
    pollutants = {p.code: p for p in Pollutant.objects.all()}
    rows = [r for r in one_ledger([month]) if r.city is not None]
    reports = CityMonthReport.objects.bulk_create([
        CityMonthReport(city_id=r.city, month=month, pollutant=pollutants[r.factor], **r.as_dict()) for r in rows])
    return reports


def report_last_month(today: datetime.date | None = None) -> list[CityMonthReport]:
    """The monthly job (the 1st): the month just ended."""
    today = today or timezone.localdate()
    return report_month(month_of(today.replace(day=1) - datetime.timedelta(days=1)))


def year_table(year: int, *, city_ids: list[int] | None = None, today: datetime.date | None = None) -> dict:
    """What the province's page shows for `year`: per month (up to this one) the rows by factor, each city's and the
    province's, computed from the ledger; and which cities' reports for those months are stored (the stored reports
    equal the ledger's figures: tests/reserve/test_province.py)."""
    today = today or timezone.localdate()
    last = min(f"{year:04d}-12", month_of(today))
    months = onebook.months_between(f"{year:04d}-01", last) if f"{year:04d}-01" <= last else []
    if not months:
        return {"months": [], "rows": [], "reported": set()}
    reported = set(CityMonthReport.objects.filter(month__in=months).values_list("city_id", "month").distinct())
    return {"months": months, "rows": one_ledger(months, city_ids=city_ids), "reported": reported}
