"""Reads of the ledger, scoped to the user (quota_registry.access.scope): lots with what is in the pool, held and
available; balances per factor and county; the transactions with their movements; and the version under which
such reads are cached. Used by the pool's pages, the published ledger, trading and the API alike."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple
from uuid import uuid4

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from quota_registry.access import scope
from quota_registry.files.selectors import visible_to
from quota_registry.reference.models import Pollutant, Region

from .models import (
    CARBON_SOURCES,
    Account,
    AccountKind,
    Holding,
    LedgerHead,
    LedgerTransaction,
    Lot,
    LotStatus,
    Movement,
    account_name,
    received_lot_ids,
)

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=20, decimal_places=4))


def _holding_sum(kind: str, **account):
    return Coalesce(
        Subquery(
            Holding.objects.filter(lot=OuterRef("pk"), account__kind=kind,
                                   **{f"account__{k}": v for k, v in account.items()}).values("lot")
            .annotate(total=Sum("quantity")).values("total")[:1],
            output_field=DecimalField(max_digits=20, decimal_places=4),
        ),
        ZERO,
    )


def lots(user, *, today=None):
    """Lots in the user's scope with `in_pool`, `held` and `available` (in the pool, complete, not expired): in the
    user's city's pool for anyone of a city (a lot part of which went to another city by a transfer counts only what
    is left here, as `balances` does), in every city's for the province and the public."""
    today = today or timezone.localdate()
    qs = scope(user, Lot.objects.quota().select_related("pollutant", "region", "enterprise", "watershed", "industry"))
    city_id = getattr(user, "city_id", None) if getattr(user, "is_authenticated", False) else None
    pool = _holding_sum(AccountKind.POOL, **({"city_id": city_id} if city_id else {}))
    # held by the city's withdrawals and sales (in its hold, or in the shared hold of before each city had its own)
    held = (_holding_sum(AccountKind.HOLD, city_id=city_id) + _holding_sum(AccountKind.HOLD, city_id=None)
            if city_id else _holding_sum(AccountKind.HOLD))
    return qs.annotate(in_pool=pool, held=held).annotate(
        available=Case(When(Q(status=LotStatus.ACTIVE) & Q(valid_until__gte=today), then=F("in_pool")), default=ZERO,
                       output_field=DecimalField(max_digits=20, decimal_places=4)))


ACCOUNT_NAMES = ("organisation",)  # what Account.__str__ reads beyond the account itself


class Line(NamedTuple):
    """One movement as the ledger's page and API show it."""

    lot: str  # the lot's number
    factor: str  # its factor's name
    code: str  # its factor's code
    quantity: Decimal
    source: str  # the accounts' names (account_name)
    target: str


def movement_lines(transaction_ids, *, cities: list[int] | None = None) -> dict[int, list[Line]]:
    """The movements of these transactions, by transaction, in one query of values: a page of the ledger shows some
    200 of them (the API 500), and making a model instance of each movement, its lot, factor, both accounts and their
    organisations was most of the page's time. Each account is named once.

    `cities`: the region ids of the viewer's city (a city's staff; None: the province's, who see every city): an
    organisation's account of another city is named by its kind only, as the public ledger names every account
    (whose quota another city's enterprise holds, pledges or uses is that city's business, issue 19)."""
    sides = ("kind", "organisation__name", "organisation__region_id", "reference", "label", "city_id")
    width = len(sides)
    rows = (Movement.objects.filter(transaction_id__in=list(transaction_ids)).order_by("transaction_id", "id")
            .values_list("transaction_id", "lot__number", "lot__pollutant__name", "lot__pollutant__code", "quantity",
                         "from_account_id", *(f"from_account__{f}" for f in sides),
                         "to_account_id", *(f"to_account__{f}" for f in sides)))
    names, lines = {}, defaultdict(list)
    for txn, number, factor, code, quantity, src, *rest in rows:
        (src_values, dst, dst_values) = rest[:width], rest[width], rest[width + 1:]
        for pk, values in ((src, src_values), (dst, dst_values)):
            if pk not in names:
                names[pk] = shown_account(*values, cities=cities)
        lines[txn].append(Line(number, factor, code, quantity, names[src], names[dst]))
    return lines


def shown_account(kind, organisation: str | None, region_id, reference, label, city_id, *, cities) -> str:
    """An account's name as a viewer of the city `cities` (None: every city's) is shown it: an organisation's account
    of another city by its kind only (`movement_lines`)."""
    if cities is not None and organisation is not None and region_id not in cities:
        elsewhere = _("another city")
        return f"{AccountKind(kind).label}（{elsewhere}）"
    return account_name(kind, organisation or "", reference, label, city_id)


def account_shown(account, *, cities) -> str:
    """`shown_account` of an Account (its organisation selected with it)."""
    org = account.organisation if account.organisation_id else None
    return shown_account(account.kind, org.name if org else None, org.region_id if org else None, account.reference,
                         account.label, account.city_id, cities=cities)


def ledger_cities(user) -> list[int] | None:
    """Whose accounts the user's ledger and lot pages name (`movement_lines`, `account_shown`): anyone of a city (its
    staff, a county's, an enterprise's) their city's; the province's every city's (None)."""
    return None if getattr(user, "is_province_staff", False) else list(getattr(user, "city_region_ids", None) or [])


def received_counties(user) -> list:
    """The counties of other cities whose lots the city of `user` (its staff) received some of: what the lot list's
    county filter offers besides the city's own."""
    if not (getattr(user, "is_city_staff", False) and user.city_region_ids):
        return []
    received = received_lot_ids(user.city_region_ids)
    return list(Region.objects.filter(lots__in=received).exclude(pk__in=user.city_region_ids).distinct()
                .order_by("parent_id", "sort_order")) if received else []


def ledger_transactions():
    """Transactions with the one they reverse and their place in the public log, in one query (the ledger API; their
    movements: `movement_lines`)."""
    return LedgerTransaction.objects.select_related("reverses", "log_leaf").defer("log_leaf__salts", "log_leaf__hash")


BALANCES_CACHE_SECONDS = 3600


def _balances_key(lot_qs, today, city_id=None) -> str:
    """What the balances depend on: which lots (the scoped query) in whose pool, the day (validity), and
    `version()`, which changes with the chain head (every posting) and with every saved lot, factor or county."""
    lots = hashlib.sha256(str(lot_qs.query).encode()).hexdigest()[:16]
    return f"balances:{lots}:{city_id or 'all'}:{today.isoformat()}:{version()}"


def _balance_rows(lot_qs, today, *, city_id=None, filters=None) -> list[dict]:
    """Per factor x county, from two grouped queries: lots, and the holdings in the pool and held (the only
    accounts these totals read, so the holdings of enterprises and sinks are not scanned): in `city_id`'s pool only
    when given; with `filters` (of lots), whatever the pool holds that they match, other cities' lots included."""
    rows = defaultdict(lambda: {"issued": Decimal("0.0000"), "available": Decimal("0.0000"), "held": Decimal("0.0000"),
                                "planned": Decimal("0.0000"), "given": Decimal("0.0000")})
    for r in lot_qs.exclude(status=LotStatus.REVOKED).values("pollutant_id", "region_id").annotate(total=Sum("quantity")):
        rows[(r["pollutant_id"], r["region_id"])]["issued"] = r["total"]
    in_pool, held = Q(account__kind=AccountKind.POOL), Q(account__kind=AccountKind.HOLD)
    shared_hold = held & Q(account__city__isnull=True)  # the one hold of before each city had its own: by the lots
    if city_id:
        in_pool &= Q(account__city_id=city_id)
    active = Q(lot__status=LotStatus.ACTIVE) & Q(lot__valid_until__gte=today)
    ours = Q(lot__in=lot_qs.values("pk"))
    if filters is None:
        where = ours & (in_pool | (held & Q(account__city_id=city_id) if city_id else held) | shared_hold)
    else:  # the city's whole pool and hold, whatever lots they hold (received ones too)
        where = ((in_pool | (held & Q(account__city_id=city_id))) & Q(**{f"lot__{k}": v for k, v in filters.items()})
                 | (shared_hold & ours))
    holdings = (Holding.objects.filter(where, quantity__gt=0)
                .values("lot__pollutant_id", "lot__region_id")
                .annotate(available=Sum("quantity", filter=in_pool & active), held=Sum("quantity", filter=held),
                          planned=Sum("quantity", filter=in_pool & Q(lot__status=LotStatus.PLANNED))))
    for h in holdings:
        row = rows[(h["lot__pollutant_id"], h["lot__region_id"])]
        for key in ("available", "held", "planned"):
            row[key] = h[key] or Decimal("0.0000")
    if city_id and filters is not None:  # the city's whole pool: what it gave to other cities' pools, net
        for key, quantity in _given(city_id).items():
            rows[key]["given"] = quantity
    pollutants = {p.pk: p for p in Pollutant.objects.all()}
    regions = {r.pk: r for r in Region.objects.all()}
    result = [{"pollutant": pollutants[p], "region": regions[r], **values} for (p, r), values in rows.items()]
    result.sort(key=lambda row: (row["pollutant"].sort_order, row["region"].sort_order))
    return result


def _given(city_id: int) -> dict[tuple[int, int], Decimal]:
    """Per factor x county of origin, what the city's pool gave to other cities' pools by transfers between cities,
    less what came back: two reads by the index on (to_account, from_account), one probe per other city's pool
    (issue 19: the giving city's overview says where its quota went)."""
    pools = dict(Account.objects.filter(kind=AccountKind.POOL).values_list("city_id", "pk"))
    mine, others = pools.get(city_id), [pk for city, pk in pools.items() if city != city_id]
    if mine is None or not others:
        return {}
    given = defaultdict(lambda: Decimal("0.0000"))
    for sign, moved in ((1, Q(from_account=mine, to_account__in=others)), (-1, Q(from_account__in=others, to_account=mine))):
        for pollutant, region, quantity in (Movement.objects.filter(moved).values_list("lot__pollutant_id", "lot__region_id")
                                            .annotate(total=Sum("quantity")).order_by()):
            given[(pollutant, region)] += sign * quantity
    return {key: q for key, q in given.items() if q > 0}


def lot_count(user, *, status: str = "") -> int | None:
    """How many of the pollutant quota's lots (of one status, or all) the province's staff see, from the counts
    PostgreSQL keeps of all lots (quota_registry/tallies) less the carbon side's few: counting the province's 200,000
    lots for the lot list's pager was 22 ms of its 50. None where that does not apply (another viewer, another
    database): the pager counts the rows then."""
    from django.db import connection

    from quota_registry.tallies.selectors import key, tally

    if connection.vendor != "postgresql" or not getattr(user, "is_province_staff", False):
        return None
    counts = tally(user, Lot)
    total = counts.get(key(status), 0) if status else sum(counts.values())
    carbon = Lot.objects.filter(source_kind__in=CARBON_SOURCES, **({"status": status} if status else {})).count()
    return total - carbon


class LedgerPaginator(Paginator):
    """Pages of the ledger. Unfiltered, its number of transactions is the chain head's sequence (they are
    numbered from 1 without gaps, which verify_ledger checks): no COUNT over the whole ledger per page."""

    @cached_property
    def count(self) -> int:
        if self.object_list.query.where:
            return super().count
        return LedgerHead.objects.filter(pk=1).values_list("sequence", flat=True).first() or 0


def balances(user, *, pollutant: str | None = None, region: str | None = None, today=None) -> list[dict]:
    """Per factor x county: issued (not revoked), available, held, planned; cached until one of them changes.

    A city's staff see their city's pool (issue 19): what is available or planned is what lies in its pool account,
    and what is held what lies in its hold account, so quota given to another city leaves these figures, and quota
    received from another city shows under its county of origin (issued elsewhere: no issued figure here). What the
    shared hold of before each city kept its own still holds is read by the lots' counties of origin."""
    today = today or timezone.localdate()
    lot_qs = scope(user, Lot.objects.quota())  # not the carbon side's allowances (a factor no page lists)
    city_id = getattr(user, "city_id", None) if getattr(user, "is_authenticated", False) else None
    filters = {}
    if pollutant:
        filters["pollutant__code"] = pollutant
    if region:
        filters["region__code"] = region
    lot_qs = lot_qs.filter(**filters)
    whole_pool = bool(city_id) and user.is_city_staff
    if whole_pool:  # issued here: the lots of the city's counties (a received lot shows what its pool holds of it)
        lot_qs = lot_qs.filter(region__in=user.city_region_ids)
    key = _balances_key(lot_qs, today, city_id)
    return cache.get_or_set(key, lambda: _balance_rows(lot_qs, today, city_id=city_id, filters=filters if whole_pool
                                                       else None), BALANCES_CACHE_SECONDS)


# --- the version of what cached reads show -------------------------------------------------------------------------
# Cached reads of the ledger (the balances, the published ledger's page) are keyed under `version()`: the chain head
# (every posting changes it), the day (validity), and a version that every committed save or delete of a watched
# model changes. The ledger watches its lots and the names of factors and counties; other apps watch what their
# cached pages show besides (`watch`).
VERSION_KEY = "public-ledger-version"
_WATCHED: dict[str, str | None] = {}


def version() -> str:
    head = LedgerHead.objects.filter(pk=1).values_list("hash", flat=True).first() or "empty"
    current = cache.get_or_set(VERSION_KEY, lambda: uuid4().hex, None)
    return f"{head}:{current}:{timezone.localdate().isoformat()}"


def _changed(sender, instance, **kwargs) -> None:
    """A new version once the change is committed: a page read before the commit stays under the old one."""
    status = _WATCHED[sender._meta.label]
    if status is None or instance.status == status:
        transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid4().hex, None))


def watch(label: str, status: str | None = None) -> None:
    """Change the version whenever a row of model `label` is saved or deleted (only rows in `status`, if given:
    a status that is final, so that earlier changes of such rows are not shown)."""
    from django.apps import apps

    _WATCHED[label] = status
    for signal in (post_save, post_delete):
        signal.connect(_changed, sender=apps.get_model(label), dispatch_uid=f"ledger-version-{label}")


@visible_to
def _cities_read_their_received_lots_files(user):
    """A lot's evidence (its measure's completion) is read by the staff of a city whose pool received some of it from
    the lot's city (issue 19), as they read the lot itself."""
    from django.contrib.contenttypes.models import ContentType

    if not (getattr(user, "is_authenticated", False) and user.is_city_staff and user.city_region_ids):
        return Q(pk__in=[])
    return Q(content_type=ContentType.objects.get_for_model(Lot), object_id__in=received_lot_ids(user.city_region_ids))
