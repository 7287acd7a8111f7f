"""Allocation throughput: withdrawal holds per second on PostgreSQL through the real allocation path
(`withdrawals.allocate_and_hold`: the allocator under the ledger lock, then `ledger.hold` through the posting
service), from several processes at once, against pgbench's simple-update TPS on the same machine.

    .venv/bin/python -m bench.allocation [--processes 4] [--per-process 250] [--seconds 10]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import time
import uuid
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from .common import Row, percentile, pg, record, setup_django

TARGET = 0.20  # allocations/s over pgbench simple-update TPS
FULL_VERIFY_MAX_MOVEMENTS = 200_000
PLACES = Decimal("0.0001")
NOTES = ("Two timed phases, each process starting together, over drafts made beforehand by `withdrawal_create` as "
         "the demo enterprise users (auto allocation, one factor). *allocate_and_hold* (the figure against the "
         "target): the allocator and the hold alone, each in its own transaction with the application row locked, "
         "as the submit runs it. *whole submit*: `engine.perform(action='submit')`, which adds the status change, "
         "review and audit rows, two document requests and the notifications. Celery messages (PDFs, e-mails) go to "
         "a queue of the run's own that no worker reads and that is deleted afterwards: nothing is rendered or "
         "mailed. Not timed: the drafts, releasing every hold again afterwards (`release_hold`, or the applicant's "
         "withdrawal), and the ledger check. Statements and CPU per step come from one process alone "
         "(--profile-steps steps; its own CPU time and its PostgreSQL backend's, from /proc); the ceiling is the "
         "cores over that CPU, with no waiting for the lock at all. ")
WHY = ("Why the target is out of reach: pgbench's simple-update transaction is five short statements sent from C; "
       "at {tps:.0f} TPS it takes {pg_ms:.2f} ms of the {cores} cores, so 20% of its rate leaves {budget:.1f} ms per "
       "allocation. One allocation is {statements} SQL statements through Django's ORM and the posting service, "
       "{cpu:.1f} ms of CPU in Python and PostgreSQL, {times:.0f} times that before any waiting, and {locked} of the "
       "statements run one after another under the single ledger lock that keeps the hash chain and the "
       "allocator's reads consistent.")


def _django(queue: str) -> None:
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    setup_django()
    from quota_registry.celery import app

    app.conf.task_default_queue = queue  # nobody consumes it: nothing is rendered or mailed


def _users():
    from quota_registry.orgs.models import User
    from quota_registry.portal.management.commands.seed_demo import COUNTIES

    names = [f"ent_{slug}" for slug, *_rest in COUNTIES.values()]
    users = list(User.objects.filter(username__in=names, is_active=True)
                 .select_related("organisation__industry", "organisation__region"))
    if not users:
        raise SystemExit("No demo enterprise users: run `manage.py seed_demo` (or `seed_demo --without-pool`) first.")
    return users


def _demand(users, drafts: int) -> tuple[str, Decimal, Decimal]:
    """The factor with the most quota eligible for every demo enterprise's project, and a new emission per
    draft small enough that all drafts together use at most a quarter of it."""
    from quota_registry.reference.models import Pollutant
    from reserve.facts import project_facts
    from reserve.withdrawals import check_items

    projects = [project_facts(region=u.organisation.region, industry=u.organisation.industry) for u in users]
    best = None
    for pollutant in Pollutant.objects.all():
        checks = [check_items(project, [(pollutant, Decimal(1))])[0] for project in projects]
        available, ratio = min(c.eligible_available for c in checks), max(c.ratio for c in checks)
        if ratio > 0 and (best is None or available > best[1]):
            best = (pollutant.code, available, ratio)
    code, available, ratio = best
    emission = min(Decimal(1), (available / (4 * drafts * ratio)).quantize(PLACES, rounding=ROUND_DOWN))
    if emission < PLACES:
        raise SystemExit(f"Not enough eligible quota in the pool: at most {available} of {code} is eligible for "
                         f"every demo enterprise, too little for {drafts} allocations of 0.0001 x {ratio}.")
    return code, emission, available


def _draft(user, code, emission, name):
    from reserve.withdrawals import withdrawal_create

    return withdrawal_create(actor=user, items=[{"pollutant": code, "new_emission": str(emission)}], data={
        "project_name": name, "industry": user.organisation.industry, "eia_authority": "benchmark"}).pk


def _allocate(pk, user) -> None:
    """allocate_and_hold alone, in its own transaction with the application locked (as the submit has it)."""
    from django.db import transaction

    from reserve.models import WithdrawalApplication
    from reserve.withdrawals import allocate_and_hold

    with transaction.atomic():
        allocate_and_hold(WithdrawalApplication.objects.select_for_update().get(pk=pk), user)


def _release(pk, user) -> None:
    from django.db import transaction

    from reserve.models import WithdrawalApplication
    from reserve.withdrawals import release_hold

    with transaction.atomic():
        release_hold(WithdrawalApplication.objects.select_for_update().get(pk=pk), user, "benchmark")


def _transition(action):
    def run(pk, user) -> None:
        from quota_registry.review import engine
        from reserve.models import WithdrawalApplication

        engine.perform(actor=user, model=WithdrawalApplication, pk=pk, action=action)
    return run


# phase -> (the timed step, the untimed step that releases its hold afterwards)
PHASES = {"allocate": (_allocate, _release), "submit": (_transition("submit"), _transition("withdraw"))}


def _worker(index, args, queue, code, emission, barrier, results) -> None:
    try:
        results.put(_work(index, args, queue, code, emission, barrier))
    except BaseException as exc:
        barrier.abort()  # the other processes stop waiting for this one
        results.put({"error": f"process {index}: {type(exc).__name__}: {exc}"})
        raise


def _work(index, args, queue, code, emission, barrier) -> dict:
    _django(queue)
    from django.db import connection

    users = _users()
    drafts = {phase: [] for phase in PHASES}
    for n in range(args.per_process + 1):
        for phase in PHASES:
            user = users[(index + n) % len(users)]
            drafts[phase].append((_draft(user, code, emission, f"benchmark {phase} {index}-{n}"), user))
    out = {}
    for phase, (step, undo) in PHASES.items():
        warm_up = drafts[phase].pop()  # the first step of a process imports and loads much (URLs, translations)
        step(*warm_up)
        undo(*warm_up)
        barrier.wait()  # every process starts each phase together
        started = time.perf_counter()
        deadline, latencies, done, errors = started + args.seconds, [], [], []
        for pk, user in drafts[phase]:
            t = time.perf_counter()
            if t > deadline:
                break
            try:
                step(pk, user)
            except Exception as exc:  # noqa: BLE001 - counted and reported: any failure makes the run invalid
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - t)
            done.append((pk, user))
        out[phase] = {"started": started, "finished": time.perf_counter(), "latencies": latencies,
                      "errors": errors[:3], "failed": len(errors), "ids": [pk for pk, _user in done]}
        for pk, user in done:
            undo(pk, user)
    connection.close()
    return out


def pgbench(seconds: int) -> float:
    """simple-update TPS with 4 clients, 2 threads, on a scratch database created and dropped here."""
    db = f"qr_pgbench_{os.getpid()}"
    pg("dropdb", "--if-exists", db)
    pg("createdb", db)
    try:
        pg("pgbench", "-i", "-s", "10", "-q", db)
        out = pg("pgbench", "-b", "simple-update", "-c", "4", "-j", "2", "-T", str(seconds), db)
    finally:
        pg("dropdb", "--if-exists", db, check=False)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def _profile(phase, code, emission, steps: int) -> dict:
    """One process alone, untimed: the SQL statements of one step (and how many run while the ledger lock is
    held), and the CPU time per step of this process and of its PostgreSQL backend (read from /proc: the
    server runs on this machine)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = _users()[0]
    step, undo = PHASES[phase]
    drafts = [_draft(user, code, emission, f"benchmark {phase} (profile)") for _n in range(steps + 1)]
    with CaptureQueriesContext(connection) as captured:
        step(drafts[0], user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def backend_cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    client0, server0 = time.process_time(), backend_cpu()
    for pk in drafts[1:]:
        step(pk, user)
    client, server = time.process_time() - client0, backend_cpu() - server0
    for pk in drafts:
        undo(pk, user)
    sql = [q["sql"] for q in captured.captured_queries]
    locked = next(i for i, s in enumerate(sql) if '"reserve_ledgerhead"' in s and "FOR UPDATE" in s)
    return {"statements": len(sql), "locked": len(sql) - locked, "client_ms": client / steps * 1000,
            "server_ms": server / steps * 1000}


def check_ledger(application_ids, first_sequence) -> str:
    """The whole ledger on small data; on large data the holdings of the lots touched (recomputed from their
    movements) and the hash chain from the first transaction of this run."""
    from django.db.models import Sum

    from ledger.models import AccountKind, Holding, LedgerHead, LedgerTransaction, Movement
    from ledger.services import legs_hash
    from ledger.verification import verify
    from reserve.models import Allocation

    if Movement.objects.count() <= FULL_VERIFY_MAX_MOVEMENTS:
        report = verify()
        if not report.ok:
            raise SystemExit("the ledger does not verify:\n" + "\n".join(report.problems[:20]))
        return f"verify(): ok ({report.movements:,} movements, {report.holdings:,} holdings)"
    lots = set(Allocation.objects.filter(item__application__in=application_ids).values_list("lot_id", flat=True))
    computed = {}
    for side, sign in (("to_account", 1), ("from_account", -1)):
        rows = (Movement.objects.filter(lot__in=lots).exclude(**{f"{side}__kind": AccountKind.SOURCE})
                .values_list(side, "lot").annotate(q=Sum("quantity")))
        for account_id, lot_id, q in rows:
            computed[(account_id, lot_id)] = computed.get((account_id, lot_id), Decimal(0)) + sign * q
    stored = {(a, lot): q for a, lot, q in Holding.objects.filter(lot__in=lots).values_list("account", "lot", "quantity")}
    problems = [f"holding {k}: stored {stored.get(k, 0)}, movements give {computed.get(k, 0)}"
                for k in set(stored) | set(computed) if stored.get(k, Decimal(0)) != computed.get(k, Decimal(0))]
    problems += [f"holding {k} is negative" for k, q in stored.items() if q < 0]
    previous = LedgerTransaction.objects.filter(sequence=first_sequence - 1).values_list("hash", flat=True).first()
    txns = LedgerTransaction.objects.filter(sequence__gte=first_sequence).order_by("sequence").prefetch_related("movements")
    for t in txns:
        legs = [(m.lot_id, m.from_account_id, m.to_account_id, m.quantity) for m in sorted(t.movements.all(), key=lambda m: m.pk)]
        subject = f"{t.subject_type_id}:{t.subject_id}" if t.subject_type_id else None
        if t.previous_hash != (previous or "0" * 64) or t.hash != legs_hash(
                sequence=t.sequence, kind=t.kind, created_at=t.created_at, actor_id=t.actor_id, reverses_id=t.reverses_id,
                subject=subject, memo=t.memo, legs=legs, previous_hash=t.previous_hash):
            problems.append(f"transaction #{t.sequence} does not chain")
        previous = t.hash
    if previous != LedgerHead.objects.get(pk=1).hash:
        problems.append("the chain head does not point at the last transaction")
    if problems:
        raise SystemExit("the ledger does not verify:\n" + "\n".join(problems[:20]))
    return (f"ok: {len(stored):,} holdings of the {len(lots):,} lots touched agree with their movements, none "
            f"negative; the chain verifies from #{first_sequence}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-process", type=int, default=250, help="drafts prepared per process and phase")
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase at most")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--profile-steps", type=int, default=50, help="steps of one process alone, for CPU per step")
    args = parser.parse_args()
    queue = f"bench-allocation-{uuid.uuid4().hex[:8]}"
    _django(queue)
    from django.db import connection

    from ledger.models import LedgerHead, Lot, Movement

    tps = pgbench(args.pgbench_seconds)
    print(f"pgbench simple-update: {tps:.0f} TPS")
    code, emission, available = _demand(_users(), 2 * (args.processes * (args.per_process + 1) + args.profile_steps + 1))
    profiles = {phase: _profile(phase, code, emission, args.profile_steps) for phase in PHASES}
    first_sequence = LedgerHead.objects.get(pk=1).sequence + 1
    data = f"{Movement.objects.count():,} movements, {Lot.objects.count():,} lots"
    connection.close()

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(args.processes), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(i, args, queue, code, emission, barrier, results))
               for i in range(args.processes)]
    for w in workers:
        w.start()
    out = [results.get() for _w in workers]
    for w in workers:
        w.join()
    _purge(queue)
    if any("error" in r for r in out):
        raise SystemExit("\n".join(r["error"] for r in out if "error" in r))
    rows, ids = [], []
    for phase in PHASES:
        runs = [r[phase] for r in out]
        if sum(r["failed"] for r in runs):
            raise SystemExit(f"{phase}: {sum(r['failed'] for r in runs)} failed, e.g. "
                             + "; ".join(e for r in runs for e in r["errors"]))
        latencies = [x for r in runs for x in r["latencies"]]
        rate = len(latencies) / (max(r["finished"] for r in runs) - min(r["started"] for r in runs))
        ids += [pk for r in runs for pk in r["ids"]]
        prof = profiles[phase]
        cpu = prof["client_ms"] + prof["server_ms"]
        label = {"allocate": "allocate_and_hold", "submit": "whole submit (engine.perform)"}[phase]
        rows += [Row(f"{label}: per second, {args.processes} processes", f"{rate:.0f} ({len(latencies)} in all)"),
                 Row(f"{label}: latency p50 / p99", f"{percentile(latencies, 50) * 1000:.1f} ms / "
                                                     f"{percentile(latencies, 99) * 1000:.1f} ms"),
                 Row(f"{label}: SQL statements (of them under the ledger lock)", f"{prof['statements']} ({prof['locked']})"),
                 Row(f"{label}: CPU per step, Python + PostgreSQL (ceiling on {os.cpu_count()} idle cores)",
                     f"{prof['client_ms']:.1f} + {prof['server_ms']:.1f} ms ({os.cpu_count() * 1000 / cpu:.0f}/s)")]
        if phase == "allocate":
            met = rate / tps >= TARGET
            rows.insert(0, Row("allocations/s / pgbench simple-update TPS", f"{rate / tps:.1%} ({rate:.0f} / {tps:.0f})",
                               f">= {TARGET:.0%}", met))
    rows.append(Row("ledger after the run", check_ledger(ids, first_sequence)))
    cores, alloc = os.cpu_count(), profiles["allocate"]
    alloc_cpu, budget = alloc["client_ms"] + alloc["server_ms"], cores * 1000 / (TARGET * tps)
    record(name="allocation", title="Allocation throughput: concurrent allocate + hold against pgbench",
           params=f"{data} before the run; {args.processes} processes, {code} for the demo enterprises "
                  f"({emission} new emission per application, {available} eligible); pgbench -b simple-update "
                  f"-c 4 -j 2 -T {args.pgbench_seconds} at scale 10", rows=rows,
           notes=NOTES + ("" if met else WHY.format(
               pg_ms=cores * 1000 / tps, cores=cores, tps=tps, budget=budget, statements=alloc["statements"],
               locked=alloc["locked"], cpu=alloc_cpu, times=alloc_cpu / budget)))


def _purge(queue: str) -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = [*client.scan_iter(match=f"{queue}*"), *client.scan_iter(match=f"_kombu.binding*.{queue}")]
    if keys:
        client.delete(*keys)


if __name__ == "__main__":
    main()
