"""PDF forms: seconds per form (Annexes 3, 4 and 5 through the project's renderers, with a check that the
Chinese text comes back out and a CJK font is embedded) and forms per minute through one real Celery
worker against Redis (documents requested through the outbox, timed until all are ready).

    .venv/bin/python -m bench.pdf
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, ROOT, Row, environment, median, percentile, record, setup_django, stop

RENDERS = 20  # timed renders per form
TARGET_SECONDS = 0.5  # a form
WORKER_APPLICATIONS = 20  # each entry application gets Annex 3, each withdrawal Annexes 4 and 5: 60 forms
WORKER_TIMEOUT = 300  # seconds for the whole batch
WORKER_LOG = RESULTS / "pdf-worker.log"


def ranked(queryset, rows: str) -> list:
    """The application with the median number of `rows` (typical) and the one with the most; [] if none has any."""
    from django.db.models import Count

    apps = queryset.annotate(n=Count(rows)).filter(n__gt=0).order_by("n", "pk")
    count = apps.count()
    return [apps[count // 2], apps[count - 1]] if count else []


def entry_application():
    from reserve.models import EntryApplication

    found = ranked(EntryApplication.objects.all(), "items")
    if not found:
        sys.exit("no entry application in the database: run `manage.py seed_demo` or `python -m bench.loadgen` first")
    return found[0]


def withdrawal_applications() -> tuple:
    """(typical, largest) withdrawal applications with allocations; without any, one is filed first."""
    from reserve.models import WithdrawalApplication

    found = ranked(WithdrawalApplication.objects.all(), "items__allocations")
    if not found:
        file_withdrawal()
        found = ranked(WithdrawalApplication.objects.all(), "items__allocations")
    return tuple(found)


def file_withdrawal() -> None:
    """A withdrawal filed and submitted through the real services by the first enterprise the pool can serve."""
    from django.contrib.auth import get_user_model

    from ledger.models import Lot, LotStatus
    from quota_registry.orgs.models import Role
    from quota_registry.review.services import transition
    from reserve.models import WithdrawalApplication
    from reserve.withdrawals import precheck, withdrawal_create

    pollutants = Lot.objects.filter(status=LotStatus.ACTIVE).values_list("pollutant__code", flat=True).distinct()
    users = get_user_model().objects.filter(role=Role.ENTERPRISE_USER, organisation__is_active=True,
                                            organisation__industry__isnull=False).select_related(
        "organisation__region", "organisation__industry").order_by("pk")
    for user in users:
        org = user.organisation
        for code in pollutants:
            items = [{"pollutant": code, "new_emission": "1"}]
            _project, (check,) = precheck(region_code=org.region.code, industry_code=org.industry.code, items=items)
            if check.sufficient:
                withdrawal = withdrawal_create(actor=user, data={
                    "project_name": "基准测试建设项目", "industry": org.industry, "eia_authority": "曲靖市生态环境局"},
                    items=items)
                transition(actor=user, model=WithdrawalApplication, pk=withdrawal.pk, action="submit")
                return
    sys.exit("no withdrawal application with allocations, and the pool cannot serve a new one")


def check_pdf(kind: str, content: bytes, expected: list[str]) -> None:
    """Fail loudly unless the Chinese text comes back out of the PDF and a CJK font is embedded."""
    def poppler(*args: str) -> str:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        text, fonts = re.sub(r"\s+", "", poppler("pdftotext", f.name, "-")), poppler("pdffonts", f.name)
    missing = [s for s in expected if re.sub(r"\s+", "", s) not in text]
    if missing:
        sys.exit(f"{kind}: pdftotext does not find {missing} in the PDF")
    # pdffonts columns end with: emb sub uni object ID
    if not any("CJK" in line and line.split()[-5] == "yes" for line in fonts.splitlines()[2:]):
        sys.exit(f"{kind}: no embedded CJK font in the PDF:\n{fonts}")


def time_form(kind: str, application) -> tuple[float, list[float], list[float]]:
    """(the first render, then wall and CPU seconds of each timed render); the first one is checked."""
    from quota_registry.documents.models import Document
    from quota_registry.documents.services import RENDERERS
    from reserve.documents import TITLES

    render, document = RENDERERS[kind], Document(kind=kind, subject_id=application.pk)
    start = time.perf_counter()
    content = render(document)
    first = time.perf_counter() - start
    check_pdf(kind, content, [TITLES[kind][1], application.number, application.applicant.name])
    wall, cpu = [], []
    for _ in range(RENDERS):
        start, start_cpu = time.perf_counter(), time.process_time()
        render(document)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return first, wall, cpu


def wait_ready(ids: list[int], worker: subprocess.Popen, deadline: float) -> None:
    from quota_registry.documents.models import Document, DocumentStatus

    while True:
        statuses = list(Document.objects.filter(pk__in=ids).values_list("status", flat=True))
        if DocumentStatus.FAILED in statuses:
            sys.exit(f"a document failed: {Document.objects.filter(pk__in=ids, status='failed').first().error}")
        if statuses.count(DocumentStatus.READY) == len(ids):
            return
        if worker.poll() is not None:
            sys.exit(f"the Celery worker stopped (exit {worker.returncode}); see {WORKER_LOG}")
        if time.monotonic() > deadline:
            sys.exit(f"documents not ready after {WORKER_TIMEOUT} s; see {WORKER_LOG}")
        time.sleep(0.1)


def worker_throughput(entry, withdrawal) -> tuple[float, int, float]:
    """(seconds from worker start to its first form ready, forms in the timed batch, seconds for them).
    The batch is timed with the worker warm: from the commit that enqueues it until every form is ready.
    Messages already queued (Redis delivers in order) are worked off before the first form."""
    from django.db import transaction

    from quota_registry.celery import app
    from quota_registry.documents.models import Document
    from quota_registry.review.services import request_documents

    created: list[int] = []
    RESULTS.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with WORKER_LOG.open("w") as log:
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "quota_registry", "worker", "--pool=solo",
             "--concurrency=1", "-Q", app.conf.task_default_queue, "--loglevel=WARNING"],
            cwd=ROOT, env=environment(), stdout=log, stderr=log)
    try:
        with transaction.atomic():
            created += [d.pk for d in request_documents(entry, None)]
        wait_ready(created, worker, start + WORKER_TIMEOUT)
        warm_up = time.monotonic() - start
        start = time.monotonic()
        with transaction.atomic():
            batch = [d.pk for _ in range(WORKER_APPLICATIONS) for application in (entry, withdrawal)
                     for d in request_documents(application, None)]
        created += batch
        wait_ready(batch, worker, start + WORKER_TIMEOUT)
        return warm_up, len(batch), time.monotonic() - start
    finally:
        stop(worker)
        for document in Document.objects.filter(pk__in=created):  # the benchmark's own versions: leave no trace
            document.file.delete(save=False)
            document.delete()


def main() -> None:
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"  # through Redis, here and in the worker, like the portal
    setup_django()
    entry, (withdrawal, largest) = entry_application(), withdrawal_applications()
    forms = [("Annex 3", "annex3", entry), ("Annex 4", "annex4", withdrawal), ("Annex 5", "annex5", withdrawal)]
    if largest != withdrawal:
        forms += [(f"Annex {n}, largest withdrawal", f"annex{n}", largest) for n in (4, 5)]

    rows, firsts = [], []
    for label, kind, application in forms:
        first, wall, cpu = time_form(kind, application)
        firsts.append(f"{label} {first:.2f} s")
        mid = median(wall)
        rows.append(Row(f"{label} ({application.number}): seconds a form, median of {RENDERS}",
                        f"{mid:.3f} (p95 {percentile(wall, 95):.3f}, min {min(wall):.3f}; CPU {median(cpu):.3f})",
                        f"≤ {TARGET_SECONDS}", mid <= TARGET_SECONDS))
    warm_up, count, elapsed = worker_throughput(entry, withdrawal)
    per_minute = count / elapsed * 60
    rows.append(Row(f"forms a minute, one Celery worker (solo pool, warm; {count} forms)",
                    f"{per_minute:.0f} ({elapsed:.1f} s)", f"≥ {60 / TARGET_SECONDS:.0f}",
                    per_minute >= 60 / TARGET_SECONDS))
    rows.append(Row("worker start to its first form ready (cold)", f"{warm_up:.2f} s"))
    record(
        name="pdf", title="PDF forms (Annexes 3-5)", rows=rows,
        params=(f"typical applications (median size): entry {entry.number} ({entry.n} factors), withdrawal "
                f"{withdrawal.number} ({withdrawal.n} allocations); largest withdrawal {largest.number} "
                f"({largest.n} allocations)"),
        notes=(f"Renders call the registered renderers in-process (queries, template, WeasyPrint) after one "
               f"untimed render each ({', '.join(firsts)}; the very first loads the fonts). CPU is this "
               f"process's time for a render (the database's not included): wall time well above it means others "
               f"were using the cores. Each PDF was checked once with pdftotext (title, number, applicant in "
               f"Chinese) and pdffonts (an embedded CJK font). The worker batch is {WORKER_APPLICATIONS} × "
               f"(Annex 3 of the entry, Annexes 4 and 5 of the typical withdrawal) requested through "
               f"`request_documents` in one transaction, timed from there until all are ready (polling the "
               f"database), after the worker had finished a first form (and anything already queued); the "
               f"benchmark's documents are deleted afterwards. Target a minute: 60 / {TARGET_SECONDS} s."))

if __name__ == "__main__":
    main()
