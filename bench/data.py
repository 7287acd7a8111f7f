"""Build the benchmark database from scratch: empty the benchmark Redis database, drop and create the
database, migrate, the demo bureaus and users, then the load generator (`python -m bench.loadgen --scale N`), the
ledger's verification (the generator writes with the invariant triggers off), VACUUM ANALYZE and CHECKPOINT.

    python -m bench.data --scale 1                 # the city scale: Qujing
    python -m bench.data --scale 10 --cities 16    # the province scale: Yunnan's 16 cities"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from urllib.parse import urlparse

from bench.common import ROOT, environment, pg


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cities", type=int, default=1, help="over how many of Yunnan's cities (bench.loadgen)")
    args = parser.parse_args()
    env = environment()
    url = urlparse(env["DATABASE_URL"])
    if url.scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmarks run on PostgreSQL: set BENCH_DATABASE_URL to a postgres:// URL.")
    name = url.path.lstrip("/")
    started = time.monotonic()
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the benchmarks' cache and broker start empty too
    pg("dropdb", "--if-exists", name)
    pg("createdb", name)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in ([*manage, "migrate", "-v0"], [*manage, "seed_demo", "--without-pool", "--force"],
                    [sys.executable, "-m", "bench.loadgen", "--scale", str(args.scale), "--cities", str(args.cities),
                     "--force"],
                    [*manage, "verify_ledger"]):  # what the ledger's triggers check, for the generated rows
        subprocess.run(command, env=env, cwd=ROOT, check=True)
    # VACUUM ANALYZE: the state autovacuum keeps a live database in; CHECKPOINT: the bulk load's dirty pages
    # written now, not by the checkpointer while the first benchmark measures.
    pg("psql", "-q", "-c", "VACUUM ANALYZE", "-c", "CHECKPOINT", name)
    print(f"benchmark database {name} at scale {args.scale} ready in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
