"""The monthly report for the busiest month of the ledger: what `manage.py build_report --month YYYY-MM`
does (the report as Excel, then as PDF, each request rendered through the document mechanism), timed as
a whole and by part, plus the figures alone (`reports.compute`).

    .venv/bin/python -m bench.report
"""
from __future__ import annotations

import statistics
import time

from .common import Row, record, setup_django

RUNS = 3
MAX_SECONDS = 5.0


def busiest_month() -> tuple[int, int, int]:
    """(year, month, movements in it) of the month with the most movements, in local time."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from ledger.models import Movement

    top = (Movement.objects.annotate(month=TruncMonth("transaction__created_at")).values("month")
           .annotate(n=Count("pk")).order_by("-n", "month").first())
    return top["month"].year, top["month"].month, top["n"]


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def build(year: int, month: int, fmt: str) -> None:
    from quota_registry.documents.services import document_render
    from reserve.reports import report_request

    document = report_request(actor=None, year=year, month=month, fmt=fmt)
    if document_render(document.pk) != "ready":  # already done if the task ran eagerly: then a no-op
        document.refresh_from_db()
        raise RuntimeError(f"the {fmt} report failed: {document.error}")


def main() -> None:
    setup_django()
    from ledger.models import Movement
    from reserve.reports import OVERDUE_IN_PDF, compute, period_of

    movements = Movement.objects.count()
    year, month, in_month = busiest_month()
    start, end, _label = period_of(year=year, month=month)
    compute_s, data = timed(compute, start, end)
    if not data["ties_out"]:
        raise SystemExit(f"the report for {year}-{month:02} does not tie out to the ledger")
    runs = []
    for _ in range(RUNS):
        xlsx_s, _ = timed(build, year, month, "xlsx")
        pdf_s, _ = timed(build, year, month, "pdf")
        runs.append((xlsx_s, pdf_s, xlsx_s + pdf_s))
    xlsx, pdf, total = (statistics.median(r[i] for r in runs) for i in range(3))
    print(f"{movements} movements; {year}-{month:02} has {in_month}")
    record(
        name="report", title="Monthly report (build_report --month) for the busiest month",
        params=f"{movements:,} movements; {year}-{month:02}, the busiest month, has {in_month:,} of them; "
               f"{len(data['lines'])} factor/county lines, {len(data['overdue']):,} overdue obligations; "
               f"median of {RUNS} builds in one process",
        rows=[Row("build_report --month: Excel + PDF", f"{total:.2f} s", f"<= {MAX_SECONDS:.0f} s", total <= MAX_SECONDS),
              Row("Excel document (request + render)", f"{xlsx:.2f} s"),
              Row("PDF document (request + render)", f"{pdf:.2f} s"),
              Row("the first build in the process (imports WeasyPrint, loads fonts)", f"{runs[0][2]:.2f} s"),
              Row("the figures alone (reports.compute, one month)", f"{compute_s:.2f} s")],
        notes="Each document computes the figures itself, as build_report does; the report ties out "
              "(opening + flows = closing) for the month measured. The Excel lists every overdue obligation, "
              f"the PDF the {OVERDUE_IN_PDF} longest overdue.")


if __name__ == "__main__":
    main()
