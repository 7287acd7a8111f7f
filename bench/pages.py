"""Server time (p50/p95/p99) and SQL queries per request of the key pages and API lists, in-process through
Django's test client against the benchmark database (no network in the figure).

    python -m bench.pages [--requests 50]

The same list of pages and the same way of choosing who looks at what serve the query-count test
(tests/test_query_counts.py), which asserts that no page's query count grows with the data."""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

TARGET_MS = 50


@dataclass(frozen=True)
class Page:
    name: str
    viewer: str  # enterprise | county | city | province | public
    path: str  # may name {entry} and {withdrawal}


KEY_PAGES = [
    Page("home: enterprise", "enterprise", "/home/"),
    Page("home: county bureau", "county", "/home/"),
    Page("home: city", "city", "/home/"),
    Page("entries: enterprise's own", "enterprise", "/entries/"),
    Page("inbox: county, entries", "county", "/entries/"),
    Page("inbox: city, entries", "city", "/entries/"),
    Page("inbox: city, withdrawals", "city", "/withdrawals/"),
    Page("entry application detail", "city", "/entries/{entry}/"),
    Page("withdrawal application detail", "city", "/withdrawals/{withdrawal}/"),
    Page("pool overview", "city", "/pool/"),
    Page("lots: city", "city", "/lots/"),
    Page("lots: province", "province", "/lots/"),
    Page("ledger (city)", "city", "/ledger/"),
    Page("public ledger", "public", "/public/"),
    Page("API: ledger list", "city", "/api/v1/ledger/"),
    Page("API: balances", "county", "/api/v1/balances/"),
    Page("one-ledger: province", "province", "/province/"),
    Page("one-ledger: public", "public", "/public/province/"),
]


@dataclass
class Subjects:
    """Who looks, and at what: the busiest of each kind, chosen the same way at every data size."""

    users: dict
    entry: int
    withdrawal: int


def subjects() -> Subjects:
    from django.db.models import Count

    from quota_registry.orgs.models import Role, User
    from quota_registry.review.models import Status
    from reserve.models import EntryApplication, WithdrawalApplication

    def busiest(role, count, order=()):
        return (User.objects.filter(role=role, is_active=True).annotate(n=count)
                .order_by("-n", *order, "id").select_related("organisation").first())

    city = User.objects.filter(role=Role.CITY_APPROVER, is_active=True).order_by("id").first()
    # the city's own applications (at the province scale the others' are another city's: 404 to its staff)
    approved = {"status": Status.APPROVED, "region__in": city.city_region_ids}
    return Subjects(
        users={
            "enterprise": busiest(Role.ENTERPRISE_USER, Count("organisation__lots")),
            "county": busiest(Role.COUNTY_REVIEWER, Count("organisation__region__organisations")),
            "city": city,
            "province": User.objects.filter(role=Role.PROVINCE_REVIEWER, is_active=True).order_by("id").first(),
            "public": None,
        },
        entry=EntryApplication.objects.filter(**approved).annotate(n=Count("items")).order_by("-n", "id").first().pk,
        withdrawal=WithdrawalApplication.objects.filter(**approved).annotate(n=Count("items__allocations"))
        .order_by("-n", "id").first().pk,
    )


def client_for(user):
    """A test client logged in as `user` (with the second factor city staff give), or anonymous."""
    from django.test import Client

    from quota_registry.orgs.twofactor import mark_session_verified

    client = Client()
    if user is not None:
        client.force_login(user)
        mark_session_verified(client.session, user)
    return client


def request(client, url: str) -> tuple[float, int]:
    """One GET: seconds and SQL queries. Anything but 200 is an error in the benchmark itself."""
    import contextlib

    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from quota_registry import replica

    aliases = ["default", replica.REPLICA] if replica.enabled() else ["default"]
    for alias in aliases:
        # CaptureQueriesContext counts by the growth of the connection's log, which keeps the last 9,000 queries:
        # once full it no longer grows, and every later page counted 0 queries (the API pages' 0 in earlier runs)
        connections[alias].queries_log.clear()
    with contextlib.ExitStack() as stack:  # the primary's queries and the read replica's, if it is in use
        captured = [stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in aliases]
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
    return elapsed, sum(len(c) for c in captured)


def query_counts() -> dict[str, int]:
    """Each key page's number of SQL queries (after one warm-up request, as a visitor would see it)."""
    chosen = subjects()
    counts = {}
    for page in KEY_PAGES:
        client = client_for(chosen.users[page.viewer])
        url = page.path.format(entry=chosen.entry, withdrawal=chosen.withdrawal)
        request(client, url)
        counts[page.name] = request(client, url)[1]
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (after 3 warm-up)")
    args = parser.parse_args()

    from bench.common import Row, percentile, record, setup_django

    setup_django()
    from ledger.models import Movement
    from reserve.models import EntryApplication, WithdrawalApplication

    chosen = subjects()
    import gc

    gc.freeze()  # as the web process does after start-up (quota_registry/wsgi.py)
    rows = []
    for page in KEY_PAGES:
        client = client_for(chosen.users[page.viewer])
        url = page.path.format(entry=chosen.entry, withdrawal=chosen.withdrawal)
        for _ in range(3):
            request(client, url)
        timings, queries = [], set()
        for _ in range(args.requests):
            elapsed, n = request(client, url)
            timings.append(elapsed * 1000)
            queries.add(n)
        p50, p95, p99 = (percentile(timings, p) for p in (50, 95, 99))
        rows.append(Row(f"{page.name} `{page.path}`",
                        f"p50 {p50:.1f} / p95 {p95:.1f} / p99 {p99:.1f} ms; {'/'.join(map(str, sorted(queries)))} queries",
                        f"p95 <= {TARGET_MS} ms", p95 <= TARGET_MS))
        print(f"{page.name:34} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms  queries {sorted(queries)}")
    movements = Movement.objects.count()
    applications = EntryApplication.objects.count() + WithdrawalApplication.objects.count()
    size = f"{movements:,} movements, {applications:,} applications"
    record(f"pages-{movements}", f"Page and API server time ({size})", rows,
           params=f"{args.requests} requests per page after 3 warm-up, in-process test client, settings bench "
                  "(DEBUG off, Redis cache)",
           notes="Server time is measured around Django's test client (URL routing, middleware, view, template, "
                 "database), without network or a web server. The public ledger is cached per chain head, as in "
                 "production: these are its requests between two postings.")


if __name__ == "__main__":
    main()
