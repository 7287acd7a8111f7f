"""The public log (ledger/log.py) over the benchmark ledger: integrating every transaction and signing the first
checkpoint, a batch of new transactions integrated and signed, the proof endpoints' p95 (in-process requests, as
bench.pages measures pages) and their hashes per proof, and the reconciliation of every leaf.

    .venv/bin/python -m bench.log      (after `make bench-data SCALE=1`)
"""
from __future__ import annotations

import random
import time

from .common import Row, percentile, record, setup_django

TARGET_P95_MS = 50
REQUESTS = 200


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
    problems = log.reconcile()
    reconcile_seconds = time.perf_counter() - started
    record(
        name="log", title="The signed public log",
        params=f"{transactions:,} ledger transactions; {REQUESTS} random proofs of each kind in-process",
        rows=[Row("integrate and sign every transaction (first checkpoint)", f"{first_seconds:.1f} s"),
              Row("inclusion proof, p95", f"{p95['inclusion']:.1f} ms", f"<= {TARGET_P95_MS} ms",
                  p95["inclusion"] <= TARGET_P95_MS),
              Row("consistency proof, p95", f"{p95['consistency']:.1f} ms", f"<= {TARGET_P95_MS} ms",
                  p95["consistency"] <= TARGET_P95_MS),
              Row("hashes per proof (max): inclusion / consistency",
                  f"{max(lengths['inclusion'])} / {max(lengths['consistency'])}"),
              Row("reconcile every leaf with the ledger", f"{reconcile_seconds:.1f} s",
                  "ok" if not problems else f"{len(problems)} problems", not problems)],
        notes="A proof reads O(log n) stored complete subtrees (ledger_lognode), one query each.")


if __name__ == "__main__":
    main()
