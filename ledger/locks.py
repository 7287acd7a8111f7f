"""The one lock order of the registry. Everything that changes the ledger, or decides from it, takes its row locks
(SELECT ... FOR UPDATE) in this order, so two transactions never wait for each other in a circle (a deadlock):

1. the business record being decided: the application, trade or obligation (the workflow engine's `perform` locks
   it first, scoped to the actor), then the rows it owns that the step changes, by primary key (a trade's deal);
2. the ledger's head (`lock()`): one row that serialises every posting and every read that decides from balances
   (the allocator reads the pool after taking it, so what it read cannot change before it posts);
3. the lots a step changes, by primary key: a lot is a row of the ledger, so a step on a lot (its completion, its
   expiry) takes the head before the lot (the lot kind's `before_lock`);
4. the holdings a posting touches, by primary key (`lock_holdings()`, called by `post()`).

A gap-free number (quota_registry/review/services.next_number) locks its counter row when a record is created, before
anything of the ledger. Every lock is held until the transaction ends; locks are re-entrant within it.
tests/faults/test_lock_order.py runs a revocation and an expiry of the same lots at the same time on PostgreSQL.
"""
from __future__ import annotations

from django.db import transaction

from .models import Holding, LedgerHead


def lock() -> LedgerHead:
    """Take the ledger's lock (the chain head row) for the rest of the current database transaction. Anything that
    decides from balances and then posts (the allocator) takes it first, so the balances it read cannot change before
    it posts; post() takes it too."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.lock() must run inside a database transaction")
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # the very first posting: create the head, then lock it
        LedgerHead.objects.bulk_create([LedgerHead(pk=1)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


def lock_holdings(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Holding]:
    """The existing holdings of these (account, lot) pairs, locked in primary-key order."""
    qs = Holding.objects.select_for_update().filter(account_id__in={a for a, _lot in pairs},
                                                     lot_id__in={lot for _a, lot in pairs}).order_by("pk")
    return {(h.account_id, h.lot_id): h for h in qs if (h.account_id, h.lot_id) in pairs}
