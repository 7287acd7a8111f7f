"""Grow the benchmark ledger to a number of transactions, for the public log's benchmark at 1,000,000 transactions
(issue 17) without building a dataset ten times the city's:

    .venv/bin/python -m bench.grow --transactions 1000000      (after `make bench-data SCALE=1`)

It appends pairs of a hold and its release of a pool lot (one movement each, a day of the reserve's routine
bookkeeping repeated), chained with the posting service's hash and written by COPY as the load generator writes the
ledger: the holdings end where they were, so `verify_ledger` still passes; the new transactions are dated after the
last one. Refuses to run on a database that is not a benchmark one (DEBUG off), like the load generator.
"""
from __future__ import annotations

import argparse
import datetime
import random
from decimal import Decimal

from .common import setup_django


def grow(target: int, seed: int = 6962, log=print) -> int:
    from django.db import transaction

    from bench.loadgen import Writer
    from ledger.models import Holding, LedgerHead, LedgerTransaction, Movement, TransactionKind
    from ledger.services import held as held_of
    from ledger.services import legs_hash
    from ledger.services import pool as pool_of

    head = LedgerHead.objects.get(pk=1)
    missing = target - head.sequence
    if missing <= 0:
        log(f"the ledger has {head.sequence:,} transactions already")
        return 0
    missing += missing % 2  # pairs: every hold is released
    pool, hold = pool_of("530300"), held_of("530300")
    lots = list(Holding.objects.filter(account=pool, quantity__gte=Decimal("1")).values_list("lot_id", flat=True))
    if not lots:
        raise SystemExit("no lot in the pool to hold: build the data first (make bench-data SCALE=1)")
    rng = random.Random(seed)  # noqa: S311 (which lot, not a secret)
    at = LedgerTransaction.objects.order_by("-sequence").values_list("created_at", flat=True).first()
    sequence, previous = head.sequence, head.hash
    w = Writer()
    txn_rows, movement_rows = [], []
    held = None  # the (lot, quantity) the last hold took, released by the next transaction
    for _n in range(missing):
        sequence += 1
        at += datetime.timedelta(seconds=3)
        if held is None:
            held = (rng.choice(lots), Decimal(rng.randint(1, 9999)).scaleb(-4))
            kind, legs, releasing = TransactionKind.HOLD, [(held[0], pool.pk, hold.pk, held[1])], False
        else:
            kind, legs, releasing = TransactionKind.RELEASE, [(held[0], hold.pk, pool.pk, held[1])], True
            held = None
        memo = "释放冻结（基准数据）" if releasing else "冻结（基准数据）"
        digest = legs_hash(sequence=sequence, kind=kind, created_at=at, actor_id=None, reverses_id=None, subject=None,
                           memo=memo, legs=legs, previous_hash=previous)
        txn_rows.append([sequence, kind, at, None, "system", memo, None, None, None, "", previous, digest])
        movement_rows.append(legs[0])
        previous = digest
    with transaction.atomic():
        ids = w.ids(LedgerTransaction, len(txn_rows))
        w.write(LedgerTransaction, ["id", "sequence", "kind", "created_at", "actor_id", "actor_name", "memo",
                                    "reverses_id", "subject_type_id", "subject_id", "subject_label", "previous_hash",
                                    "hash"], ([i, *row] for i, row in zip(ids, txn_rows, strict=True)))
        w.write(Movement, ["id", "transaction_id", "lot_id", "from_account_id", "to_account_id", "quantity"],
                ([m, t, *leg] for m, t, leg in zip(w.ids(Movement, len(movement_rows)), ids, movement_rows,
                                                    strict=True)))
        LedgerHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)
        w.reset_sequences()
    log(f"added {missing:,} transactions: the ledger has {sequence:,}")
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000, help="the ledger's size to reach")
    parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    if not settings.DEBUG and not args.force:
        raise SystemExit("this adds made-up transactions to the ledger; use --force to run it here.")
    grow(args.transactions)


if __name__ == "__main__":
    main()
