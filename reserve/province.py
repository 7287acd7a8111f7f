"""The province's one-ledger (一本账, seed 002 Art 7; issue 19), read from the ledger: the flows into and out of each
city's pool, month by month, summed by accounting.onebook. The monthly job stores each city's report for the month
just ended (`report_month`): the reports arrive without anyone sending them, and what was reported stays as it was.
"""
from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounting import onebook
from ledger.models import AccountKind, Movement
from ledger.selectors import version
from quota_registry import jurisdiction
from quota_registry.audit.services import record, snapshot
from quota_registry.reference.models import Pollutant

from .models import CityMonthReport


def month_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> datetime.datetime:
    y, m = map(int, month.split("-"))
    return timezone.make_aware(datetime.datetime(y, m, 1))


def flows(*, until: str | None = None, since: str | None = None) -> list[onebook.Flow]:
    """Every flow into or out of a city's pool, summed per month, factor and the two accounts' kinds and cities (one
    grouped query over the movements), from the month `since` (default: the first) up to the month `until`, both
    included."""
    pools = Q(from_account__kind=AccountKind.POOL) | Q(to_account__kind=AccountKind.POOL)
    moves = Movement.objects.filter(pools)
    if since is not None:
        moves = moves.filter(transaction__created_at__gte=month_start(since))
    if until is not None:
        moves = moves.filter(transaction__created_at__lt=month_start(onebook.months_between(until, "9999-12")[1]))
    rows = (moves.annotate(month=TruncMonth("transaction__created_at"))
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
    """The one-ledger's rows for `months` (every city's, or those of `city_ids`, and the province's sum).

    A month whose reports are stored is read from them (they were made from the ledger and equal it: a posting is
    never dated back); the months after the last stored one are summed from the ledger's movements since then,
    opening with the last report's closing. So the page reads one month of movements, not all of them (3.6 s at city
    scale, docs/benchmarks.md). Only when a month before the last stored one has no reports is everything summed."""
    cities = city_ids if city_ids is not None else list(jurisdiction.cities().values_list("pk", flat=True))
    factors = list(Pollutant.objects.values_list("code", flat=True))
    stored = set(CityMonthReport.objects.filter(month__lte=months[-1]).values_list("month", flat=True).distinct())
    last = max(stored, default=None)
    live = [m for m in months if m not in stored]
    if last is None or any(m < last for m in live):
        return onebook.book(flows(until=months[-1]), cities=cities, factors=factors, months=months)
    rows = _reported([m for m in months if m in stored], cities, factors)
    if live:
        opening = {(r.city, r.factor): r.closing for r in _reported([last], cities, factors) if r.city is not None}
        after = onebook.months_between(last, live[-1])[1]  # the month after the last report: a gap is summed too
        rows += onebook.book(flows(since=after, until=live[-1]), cities=cities, factors=factors, months=live,
                             opening=opening)
    return rows


def _reported(months: list[str], cities: list[int], factors: list[str]) -> list[onebook.Row]:
    """The stored reports of `months` as the one-ledger's rows, with the province's sum of the cities'."""
    if not months:
        return []
    figures = ("opening", "added", "used", "transferred_in", "transferred_out", "closing")
    found = {(r["city_id"], r["pollutant__code"], r["month"]): r for r in CityMonthReport.objects.filter(
        month__in=months, city_id__in=cities).values("city_id", "pollutant__code", "month", *figures)}
    rows = []
    for month in months:
        for factor in factors:
            total = onebook.Row(None, factor, month)
            for city in cities:
                r = found.get((city, factor, month), {})
                row = onebook.Row(city, factor, month, **{k: r.get(k, onebook.ZERO) for k in figures})
                rows.append(row)
                for k in figures:
                    setattr(total, k, getattr(total, k) + getattr(row, k))
            rows.append(total)
    return rows


@transaction.atomic
def report_month(month: str) -> list[CityMonthReport]:
    """Each city's report for `month` (a month that has ended), stored once: a later run leaves it as it was."""
    if CityMonthReport.objects.filter(month=month).exists():
        return []
    pollutants = {p.code: p for p in Pollutant.objects.all()}
    rows = [r for r in one_ledger([month]) if r.city is not None]
    reports = CityMonthReport.objects.bulk_create([
        CityMonthReport(city_id=r.city, month=month, pollutant=pollutants[r.factor], **r.as_dict()) for r in rows])
    for report in reports:  # made by the monthly job: the audit trail says so, with what was sent
        record(actor=None, action="citymonthreport.create", obj=report, after=snapshot(report))
    return reports


def report_last_month(today: datetime.date | None = None) -> list[CityMonthReport]:
    """The monthly job (the 1st): the month just ended."""
    today = today or timezone.localdate()
    return report_month(month_of(today.replace(day=1) - datetime.timedelta(days=1)))


def year_table(year: int, *, month: str = "", city_ids: list[int] | None = None,
               today: datetime.date | None = None) -> dict:
    """What the province's page shows for `year`: its months (up to this one), and for `month` (default the last)
    the rows by factor, each city's and the province's, from the ledger; and which cities' reports for the month are
    stored (the stored reports equal the ledger's figures: tests/reserve/test_province.py)."""
    today = today or timezone.localdate()
    last = min(f"{year:04d}-12", month_of(today))
    months = onebook.months_between(f"{year:04d}-01", last) if f"{year:04d}-01" <= last else []
    if not months:
        return {"months": [], "month": "", "rows": [], "reported": set()}
    month = month if month in months else months[-1]
    reported = set(CityMonthReport.objects.filter(month=month).values_list("city_id", flat=True).distinct())
    if reported:  # read from the month's reports
        rows, as_of = one_ledger([month], city_ids=city_ids), None
    else:
        live = live_month(month)
        rows, as_of = live["rows"] if city_ids is None else _of_cities(live["rows"], city_ids), live["at"]
    if city_ids is not None:  # a city's staff: its row is its total (the province's sum is the province's)
        rows = [r for r in rows if r.city is not None]
    return {"months": months, "month": month, "rows": rows, "reported": reported, "as_of": as_of}


def page(*, year=None, month: str = "", city_ids: list[int] | None = None, today: datetime.date | None = None) -> dict:
    """What the one-ledger's page and its API show: `year` (as given, at most this year; this year when
    not a year) and `month`, the rows with any figure sorted by factor and city (the province's sum last), each as
    (row, city or None, factor), which cities' reports for the month are stored, and as of when a month not yet
    reported was summed."""
    today = today or timezone.localdate()
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = today.year
    year = min(max(year, 2000), today.year)
    table = year_table(year, month=month or "", city_ids=city_ids, today=today)
    cities = {c.pk: c for c in jurisdiction.cities()}
    factors = {p.code: p for p in Pollutant.objects.all()}
    rows = [r for r in table["rows"] if r.closing or r.opening or r.added or r.used or r.transferred_in
            or r.transferred_out]
    rows.sort(key=lambda r: (factors[r.factor].sort_order, r.city is None, cities[r.city].sort_order if r.city else 0))
    return {"year": year, "years": list(range(today.year, today.year - 5, -1)), "months": table["months"],
            "month": table["month"], "rows": [(r, cities.get(r.city), factors[r.factor]) for r in rows],
            "reported": sorted((cities[c] for c in table["reported"] if c in cities), key=lambda c: c.sort_order),
            "as_of": table.get("as_of")}


def pool_balances(today: datetime.date | None = None) -> dict:
    """Each city's pool per factor: the closing figures of the one-ledger's latest month (what the province chooses
    the giving city of a transfer it arranges by: seed 002, a city with a surplus)."""
    today = today or timezone.localdate()
    table = year_table(today.year, today=today)
    cities = list(jurisdiction.cities().order_by("sort_order", "code"))
    closing = {(r.city, r.factor): r.closing for r in table["rows"] if r.city is not None}
    factors = [p for p in Pollutant.objects.all() if any(closing.get((c.pk, p.code)) for c in cities)]
    return {"balance_month": table["month"], "balance_as_of": table.get("as_of"), "balance_cities": cities,
            "balances": [(p, [closing.get((c.pk, p.code)) or 0 for c in cities]) for p in factors]}


LIVE_SECONDS = 600  # how old the figures of a month not yet reported may be when the ledger has moved since


def live_month(month: str, *, refresh: bool = False) -> dict:
    """A month not yet reported, summed from its movements for every city: {"rows", "at", "version"}. A sum is reused
    while the ledger has not moved (its version), or for LIVE_SECONDS when it has: summing a month takes about 250 ms
    at city scale and 4.7 s at the province's (docs/benchmarks.md), and postings come every few seconds there, so the
    worker sums it every five minutes (`reserve.tasks.refresh_one_ledger`) and the page says as of when."""
    from ledger.models import LedgerTransaction

    genesis = LedgerTransaction.objects.filter(sequence=1).values_list("hash", flat=True).first() or "empty"
    key, now, current = f"one-ledger-live:{month}:{genesis[:16]}", timezone.now(), version()
    found = None if refresh else cache.get(key)
    if found is not None and (found["version"] == current
                              or (now - found["at"]).total_seconds() < LIVE_SECONDS):
        return found
    found = {"rows": one_ledger([month]), "at": now, "version": current}
    cache.set(key, found, 2 * LIVE_SECONDS)
    return found


def refresh_current(today: datetime.date | None = None) -> int:
    """The worker's job (every five minutes): this month's figures summed again; returns how many rows."""
    return len(live_month(month_of(today or timezone.localdate()), refresh=True)["rows"])


def _of_cities(rows: list[onebook.Row], city_ids: list[int]) -> list[onebook.Row]:
    """The rows of some cities (what a city's staff see: its own)."""
    return [r for r in rows if r.city in city_ids]
