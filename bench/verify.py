"""`verify_ledger` (reserve.verification.verify) over the whole ledger: wall time and peak memory of a
fresh process doing it, against an idle Django process. The ledger must verify.

    .venv/bin/python -m bench.verify
"""
from __future__ import annotations

import sys
import time

from . import child
from .common import Row, record, setup_django

MAX_SECONDS = 60


def verify() -> dict:
    from ledger.verification import verify

    started = time.perf_counter()
    report = verify()
    return {"seconds": time.perf_counter() - started, "transactions": report.transactions,
            "movements": report.movements, "holdings": report.holdings, "lots": report.lots,
            "problems": report.problems[:20]}


def main() -> None:
    _, baseline_mb = child.run("bench.verify", "idle")
    result, peak_mb = child.run("bench.verify", "verify")
    movements, seconds, problems = result["movements"], result["seconds"], result["problems"]
    print(f"verified {movements} movements in {seconds:.1f} s, peak {peak_mb:.0f} MB")
    if problems:
        raise SystemExit("the ledger does not verify:\n" + "\n".join(problems))
    setup_django()
    record(
        name="verify", title="verify_ledger over the whole ledger",
        params=f"{movements:,} movements in {result['transactions']:,} transactions, {result['lots']:,} lots, "
               f"{result['holdings']:,} holdings; fresh process per measure",
        rows=[Row("wall time (verify)", f"{seconds:.1f} s", f"<= {MAX_SECONDS} s", seconds <= MAX_SECONDS),
              Row("result", "ok: holdings, conservation per lot and hash chain agree"),
              Row("peak memory (RSS) of the verifying process", f"{peak_mb:.0f} MB"),
              Row("baseline: idle Django process", f"{baseline_mb:.0f} MB")],
        notes="Peak memory is the kernel's ru_maxrss of the child process.")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child.serve({"verify": verify})
    else:
        main()
