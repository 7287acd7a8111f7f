"""The public log (ledger/log.py) over the benchmark ledger: integrating every transaction and signing the first
checkpoint, the proof endpoints' p95 (in-process requests, as bench.pages measures pages) and their hashes per proof,
the full check (`verify_ledger --full`: every holding, every leaf), then a batch of new transactions posted through
the posting service, integrated and signed (what beat does every 30 s), and the incremental check that follows
(`verify_ledger`).

    .venv/bin/python -m bench.log      (after `make bench-data SCALE=1`; for 1,000,000 transactions first
                                        `.venv/bin/python -m bench.grow --transactions 1000000`)
"""
from __future__ import annotations

import random
import time

from .common import Row, percentile, record, setup_django

TARGET_P95_MS = 50
REQUESTS = 200
BATCH = 1000  # new transactions between two checkpoints: a busy day of the city's reserve, far more than 30 s of it


def main() -> None:
    setup_django()
    from django.test import Client

    from ledger import log
    from ledger.models import LedgerTransaction

    transactions = LedgerTransaction.objects.count()
    started = time.perf_counter()
    checkpoint = log.publish_checkpoint()
    first_seconds = time.perf_counter() - started
    size = checkpoint.tree_size
    print(f"integrated and signed {size:,} transactions in {first_seconds:.1f} s")

    client, rng = Client(), random.Random(6962)  # noqa: S311 (which proofs to ask for, not a secret)
    timings, lengths = {"inclusion": [], "consistency": []}, {"inclusion": [], "consistency": []}
    for _ in range(REQUESTS):
        index = rng.randrange(size)
        first = rng.randrange(1, size + 1)
        for kind, url in (("inclusion", f"/api/v1/public/log/proof/inclusion/?index={index}&tree_size={size}"),
                          ("consistency", f"/api/v1/public/log/proof/consistency/?first={first}&second={size}")):
            t = time.perf_counter()
            response = client.get(url)
            timings[kind].append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"GET {url}: HTTP {response.status_code}")
            lengths[kind].append(len(response.json()["path"]))
    p95 = {k: percentile(v, 95) for k, v in timings.items()}
    print({k: f"{v:.1f} ms" for k, v in p95.items()})

    started = time.perf_counter()
    full_report, full_run = log.check(full=True)
    full_seconds = time.perf_counter() - started
    print(f"full check: {full_seconds:.1f} s, {len(full_run.problems)} problems")

    posted = post_batch(BATCH)
    started = time.perf_counter()
    batch_checkpoint = log.publish_checkpoint()
    batch_seconds = time.perf_counter() - started
    started = time.perf_counter()
    incremental_report, incremental_run = log.check()
    incremental_seconds = time.perf_counter() - started
    print(f"batch of {posted}: integrate and sign {batch_seconds:.2f} s; incremental check {incremental_seconds:.2f} s "
          f"({incremental_run.from_size:,}..{incremental_run.tree_size:,})")
    ok = full_report.ok and incremental_report.ok and batch_checkpoint.tree_size == size + posted
    record(
        name="log", title="The signed public log",
        params=f"{transactions:,} ledger transactions; {REQUESTS} random proofs of each kind in-process; then a batch "
               f"of {posted:,} transactions posted through the posting service",
        rows=[Row("integrate and sign every transaction (first checkpoint)", f"{first_seconds:.1f} s"),
              Row("inclusion proof, p95", f"{p95['inclusion']:.1f} ms", f"<= {TARGET_P95_MS} ms",
                  p95["inclusion"] <= TARGET_P95_MS),
              Row("consistency proof, p95", f"{p95['consistency']:.1f} ms", f"<= {TARGET_P95_MS} ms",
                  p95["consistency"] <= TARGET_P95_MS),
              Row("hashes per proof (max): inclusion / consistency",
                  f"{max(lengths['inclusion'])} / {max(lengths['consistency'])}"),
              Row("full check (verify_ledger --full: every holding, every leaf, the root)", f"{full_seconds:.1f} s",
                  "ok" if full_report.ok else f"{len(full_report.problems)} problems", full_report.ok),
              Row(f"integrate and sign a batch of {posted:,} new transactions", f"{batch_seconds:.2f} s"),
              Row("incremental check after the batch (verify_ledger)", f"{incremental_seconds:.2f} s",
                  "ok" if incremental_report.ok else f"{len(incremental_report.problems)} problems",
                  incremental_report.ok and ok)],
        notes="A proof reads O(log n) stored complete subtrees (ledger_lognode), one query each.")


def post_batch(n: int) -> int:
    """n transactions through the posting service: holds of pool lots and their releases."""
    import random
    from decimal import Decimal

    from ledger import services as ledger
    from ledger.models import Holding

    pool, hold = ledger.pool("530300"), ledger.held("530300")
    lots = list(Holding.objects.filter(account=pool, quantity__gte=1).select_related("lot")[:500])
    rng = random.Random(20261129)  # noqa: S311
    for i in range(n // 2):
        h = rng.choice(lots)
        q = Decimal(rng.randint(1, 9999)).scaleb(-4)
        txn = ledger.post(actor=None, kind="hold", legs=[ledger.Leg(h.lot, pool, hold, q)], memo=f"基准批次 {i}")
        ledger.release(actor=None, hold_transaction=txn, memo=f"基准批次 {i}")
    return n // 2 * 2


if __name__ == "__main__":
    main()
