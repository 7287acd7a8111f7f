"""The published ledger (Art 24): what anyone may see without logging in, live from the ledger and
cached briefly. No commercial secrets: lots show their origin county and source, not the enterprise;
movements show the kind of account, not whose.

The summary and the page's content are cached under `page_version()`, which changes with the chain head (every
posting), with the day, and with a version that every committed save or delete of anything else they show
changes (`SHOWN`), so what the cache serves is what the database holds. (A write that sends no signal, such as
QuerySet.update(), is seen through the chain head: the revocation of lots posts in the same transaction.)"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ledger import selectors as ledger_reads
from ledger.models import AccountKind, LedgerHead, LedgerTransaction, Movement, TransactionKind
from quota_registry.access import scope

from .models import WithdrawalItem

CACHE_SECONDS = 60  # the keys say when a cached page is out of date; this only bounds what the cache keeps
ENTERED = (TransactionKind.ISSUE, TransactionKind.RETURN)


def public():
    """The public: reads go through the one scoping function as an anonymous visitor."""
    return AnonymousUser()


def ledger_summary(version: str | None = None) -> dict:
    """Balances, chain head and monthly flows, cached under the page's version (`page_version`, or `version`
    when the caller has read it already)."""
    def build():
        rows = ledger_reads.balances(public())
        head = LedgerHead.objects.filter(pk=1).first()
        return {
            "balances": [{"pollutant": r["pollutant"].code, "pollutant_name": r["pollutant"].name,
                          "unit": r["pollutant"].unit, "region": r["region"].code, "region_name": r["region"].name,
                          "issued": r["issued"], "available": r["available"], "held": r["held"],
                          "planned": r["planned"]} for r in rows],
            "chain_head": {"sequence": head.sequence if head else 0, "hash": head.hash if head else "0" * 64},
            "monthly": monthly_flows(),
            "generated_at": timezone.now(),
        }
    # Keyed on the chain head's hash: any posting changes the key, so the page is never staler than the ledger;
    # between postings, repeated requests are served from the cache.
    return cache.get_or_set(f"public-ledger-summary:{version or page_version()}", build, CACHE_SECONDS)


# What the published ledger shows besides the ledger itself, with the status a row must have to be shown (both
# final): enterprises' names, approved withdrawals (their items change only while they are drafts), published
# trades and their deals, reference prices. (The ledger itself watches lots, factors and counties.)
SHOWN = {"orgs.Organisation": None, "reserve.WithdrawalApplication": "approved", "trading.Trade": "published",
         "trading.Deal": None, "trading.ReferencePrice": None}


def watch_shown_models() -> None:
    for label, status in SHOWN.items():
        ledger_reads.watch(label, status)


def page_version() -> str:
    """The key of the page's content (ledger.selectors.version)."""
    return ledger_reads.version()


def monthly_flows() -> list[dict]:
    """Per month and factor: quantity entered into the pool and withdrawn for projects (for the chart)."""
    flows = defaultdict(lambda: {"entered": Decimal("0"), "withdrawn": Decimal("0")})
    qs = (scope(public(), Movement).filter(transaction__kind__in=[*ENTERED, TransactionKind.WITHDRAW])
          .annotate(month=TruncMonth("transaction__created_at"))
          .values("month", "lot__pollutant__code", "transaction__kind").annotate(total=Sum("quantity")))
    for row in qs:
        key = (row["month"].strftime("%Y-%m"), row["lot__pollutant__code"])
        flows[key]["withdrawn" if row["transaction__kind"] == TransactionKind.WITHDRAW else "entered"] += row["total"]
    return [{"month": m, "pollutant": p, **v} for (m, p), v in sorted(flows.items())]


def public_lots():
    return ledger_reads.lots(public()).select_related(
        "pollutant", "region", "watershed").order_by("valid_until", "id")


def recent_movements(limit: int = 50):
    return (scope(public(), Movement).select_related("transaction", "lot__pollutant", "lot__region", "from_account",
                                                     "to_account").order_by("-transaction__sequence", "-id")[:limit])


def published_deals(limit: int = 50):
    """Approved withdrawals: project, enterprise, factor, quantity, date (decisions of the bureau are public)."""
    return (scope(public(), WithdrawalItem).filter(required__gt=0)
            .select_related("application__applicant", "application__region", "pollutant")
            .order_by("-application__decided_at")[:limit])


def chain(start: int = 1, limit: int = 500) -> list[dict]:
    """Everything that went into each transaction's hash, so anyone can recompute the chain."""
    txns = (scope(public(), LedgerTransaction).filter(sequence__gte=start).order_by("sequence")
            .prefetch_related("movements")[:limit])
    result = []
    for t in txns:
        result.append({
            "sequence": t.sequence, "kind": t.kind, "created_at": t.created_at.isoformat(), "actor": t.actor_id,
            "reverses": t.reverses_id, "subject": f"{t.subject_type_id}:{t.subject_id}" if t.subject_type_id else None,
            "memo": t.memo, "previous": t.previous_hash, "hash": t.hash,
            "movements": [[m.lot_id, m.from_account_id, m.to_account_id, str(m.quantity)]
                          for m in sorted(t.movements.all(), key=lambda m: m.pk)],
        })
    return result


VERIFY_HOWTO = gettext_lazy(
    "Each transaction's hash is SHA-256 over the UTF-8 JSON (keys sorted, separators ',' and ':', non-ASCII kept) "
    "of {sequence, kind, created_at, actor, reverses, subject, memo, previous, movements: [[lot, from_account, "
    "to_account, quantity], ...]}; 'previous' is the hash of the transaction before it (64 zeros for the first). "
    "Fetch /api/v1/public/ledger/chain/?from=1, recompute each hash in order and compare the last one with the "
    "published chain head.")


def account_label(account) -> str:
    """Whose account is not published: only its kind."""
    return str(dict(AccountKind.choices)[account.kind])


def published_trades(limit: int = 50):
    """Deals of published trades (seed 001 Art 22): quantity, price, parties, subject and method."""
    from trading.models import Deal

    return (scope(public(), Deal).select_related("trade__pollutant", "trade__seller", "buyer")
            .order_by("-trade__published_at", "id")[:limit])


def current_prices():
    from trading.prices import current

    return current()


def log_status() -> dict:
    """The signed public log as the public page shows it: the latest checkpoint, the verifier key and the last
    reconciliation with the ledger (ledger/log.py)."""
    from ledger import log
    from ledger.models import LogReconciliation

    checkpoint = log.latest_checkpoint()
    cosigned = (checkpoint.cosignatures.select_related("witness").filter(witness__active=True)
                .order_by("witness__name") if checkpoint else [])
    try:
        key = log.verifier_key()
    except RuntimeError:  # no signing key configured yet: the page says so instead of failing
        key = "—"
    return {"checkpoint": checkpoint, "key": key, "cosignatures": list(cosigned),
            "reconciliation": LogReconciliation.objects.order_by("-ran_at", "-id").first()}
