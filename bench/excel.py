"""The Excel export of every ledger movement, as city staff, through the document mechanism
(export_request, then document_render): wall time and peak memory of a fresh process doing it, against
an idle Django process. The file is then opened and must hold one row per movement plus the header.

    .venv/bin/python -m bench.excel
"""
from __future__ import annotations

import sys
import time

from . import child
from .common import Row, record, setup_django

USER = "city_admin"
MAX_SECONDS, MAX_MB = 60, 300


def export() -> dict:
    from django.contrib.auth import get_user_model

    from ledger.models import Movement
    from quota_registry.documents.excel import export_request
    from quota_registry.documents.services import document_render

    user = get_user_model().objects.get(username=USER)
    movements = Movement.objects.count()
    started = time.perf_counter()
    document = export_request(actor=user, name="movements", filters={})
    status = document_render(document.pk)  # already done if the task ran eagerly: then a no-op
    seconds = time.perf_counter() - started
    document.refresh_from_db()
    if status != "ready":
        raise RuntimeError(f"the export failed: {document.error}")
    return {"movements": movements, "seconds": seconds, "path": document.file.path, "size": document.size}


def exported_rows(path: str) -> tuple[list, int, object]:
    """The header, the number of data rows and the last row's sequence number."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header, count, last = list(next(rows)), 0, None
    for row in rows:
        count, last = count + 1, row[0]
    book.close()
    return header, count, last


def main() -> None:
    _, baseline_mb = child.run("bench.excel", "idle")
    result, peak_mb = child.run("bench.excel", "export")
    movements, seconds = result["movements"], result["seconds"]
    print(f"exported {movements} movements in {seconds:.1f} s, peak {peak_mb:.0f} MB; checking the file")
    header, count, last = exported_rows(result["path"])

    setup_django()
    from ledger.models import LedgerTransaction
    from quota_registry.documents.excel import DATASETS

    if header != [c.header for c in DATASETS["movements"].columns]:
        raise SystemExit(f"unexpected header {header}")
    if count != movements:
        raise SystemExit(f"the file holds {count} rows for {movements} movements")
    if movements and last != LedgerTransaction.objects.order_by("sequence").last().sequence:
        raise SystemExit(f"the last row is transaction #{last}, not the last transaction")
    record(
        name="excel", title="Excel export of all ledger movements",
        params=f"{movements:,} movements, exported as {USER} (city staff), fresh process per measure",
        rows=[Row("wall time (export_request + document_render)", f"{seconds:.1f} s", f"<= {MAX_SECONDS} s",
                  seconds <= MAX_SECONDS),
              Row("peak memory (RSS) of the exporting process", f"{peak_mb:.0f} MB", f"<= {MAX_MB} MB", peak_mb <= MAX_MB),
              Row("baseline: idle Django process", f"{baseline_mb:.0f} MB"),
              Row("file", f"{result['size'] / 1e6:.1f} MB, {count + 1:,} rows (header + one per movement)")],
        notes="Peak memory is the kernel's ru_maxrss of the child process; the file was reopened with openpyxl "
              "(read-only) and its rows counted.")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child.serve({"export": export})
    else:
        main()
