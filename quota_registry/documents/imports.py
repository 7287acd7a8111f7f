"""Importing spreadsheets: parse, check every row, show the preview, then write all rows or none.
An importer (registered by the app that owns the data) names its columns and how to check and write."""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import record
from quota_registry.outbox import enqueue_after_commit

from .models import ImportBatch, ImportStatus


@dataclass(frozen=True)
class Importer:
    name: str
    title: str
    columns: list[str]  # the headers expected in the first row, in order
    allowed: Callable[[object], bool]  # may this user import it?
    check: Callable[[list[dict], object], list[tuple[int, str]]]  # (rows, actor) -> [(row number, problem)]
    write: Callable[[list[dict], object, ImportBatch], dict]  # (rows, actor, batch) -> result summary


IMPORTERS: dict[str, Importer] = {}

# The size of an upload (shown on the import page): at most MAX_BYTES and MAX_ROWS rows, each cell at most
# MAX_CELL characters. Up to INLINE_ROWS rows are checked and written while the page waits; more go to the worker,
# and the page shows how far it got.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL = 500
INLINE_ROWS = 200
PROGRESS_EVERY = 100


def importer(imp: Importer) -> Importer:
    IMPORTERS[imp.name] = imp
    return imp


def _plain(value):
    """Cell values as JSON can keep them (dates as ISO strings, numbers as exact strings)."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(decimal.Decimal(str(value)).normalize(), "f")  # the digits Excel showed, no binary noise
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    return "" if value is None else str(value).strip()


def read_rows(workbook_file, columns: list[str]) -> list[dict]:
    """The rows below the header, at most MAX_ROWS (read as a stream: a bigger sheet is refused after MAX_ROWS + 1
    rows, without reading the rest)."""
    import openpyxl

    try:
        sheet = openpyxl.load_workbook(workbook_file, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError({"file": _("This is not an Excel (.xlsx) workbook.")}) from exc
    rows = sheet.iter_rows(values_only=True)
    header = [_plain(v) for v in next(rows, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError({"file": _("The first row must name the columns; missing: %(cols)s.") % {
            "cols": "、".join(missing)}})
    index = {c: header.index(c) for c in columns}
    result = []
    for number, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        if len(result) >= MAX_ROWS:
            raise ValidationError({"file": _("A workbook may have at most %(n)s rows below its header; split it into "
                                             "several files.") % {"n": f"{MAX_ROWS:,}"}})
        row = {c: _plain(values[i]) if i < len(values) else "" for c, i in index.items()}
        too_long = [c for c, v in row.items() if len(v) > MAX_CELL]
        if too_long:
            raise ValidationError({"file": _("Row %(row)s, column %(col)s: a cell may hold at most %(n)s characters.") % {
                "row": number, "col": too_long[0], "n": MAX_CELL}})
        result.append({"_row": number, **row})
    return result


class Progress(list):
    """The rows, reporting every PROGRESS_EVERY rows an importer's check has gone through (the batch's
    `rows_done`, written outside the check's transaction so the page can show it)."""

    def __init__(self, rows, batch_id: int):
        super().__init__(rows)
        self.batch_id = batch_id

    def __iter__(self):
        for index, row in enumerate(super().__iter__(), start=1):
            if index % PROGRESS_EVERY == 0:
                ImportBatch.objects.filter(pk=self.batch_id).update(rows_done=index)
            yield row


def import_preview(*, actor, kind: str, uploaded_file) -> ImportBatch:
    """Read an upload and check its rows: at once when it is small, in the worker (with progress) when it has
    more than INLINE_ROWS rows. Nothing is written to the registry."""
    imp = IMPORTERS[kind]
    if not imp.allowed(actor):
        raise PermissionDenied(_("Your role does not allow this import."))
    if uploaded_file.size > MAX_BYTES:
        raise ValidationError({"file": _("The workbook is %(size)s; at most %(limit)s can be imported at once.") % {
            "size": filesizeformat(uploaded_file.size), "limit": filesizeformat(MAX_BYTES)}})
    rows = read_rows(uploaded_file, imp.columns)
    if not rows:
        raise ValidationError({"file": _("The sheet has no rows below its header.")})
    if len(rows) <= INLINE_ROWS:
        problems = imp.check(rows, actor)
        return ImportBatch.objects.create(kind=kind, original_name=uploaded_file.name[:200], rows=rows,
                                          errors=[list(p) for p in problems], created_by=actor, rows_done=len(rows))
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind=kind, original_name=uploaded_file.name[:200], rows=rows,
                                           created_by=actor, status=ImportStatus.CHECKING, enqueued_at=timezone.now())
        _enqueue(batch, "check_import")
    return batch


def _enqueue(batch, task_name: str) -> None:
    enqueue_after_commit(f"quota_registry.documents.tasks.{task_name}", batch.pk,
                         lease=(ImportBatch, batch.pk, "enqueued_at"))


def import_check(*, batch_id: int) -> str:
    """The worker's check of a big upload (idempotent: a batch already checked is left alone)."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.CHECKING).select_related("created_by").first()
    if batch is None:
        return "done"
    problems = IMPORTERS[batch.kind].check(Progress(batch.rows, batch.pk), batch.created_by)
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.PREVIEWED, errors=[list(p) for p in problems], rows_done=len(batch.rows))
    return "checked"


def import_commit(*, actor, batch_id: int) -> ImportBatch:
    """Check again (the data may have changed since the preview) and write every row, or nothing: at once for a
    small upload, in the worker for a big one."""
    with transaction.atomic():
        batch = get_scoped_or_404(actor, ImportBatch.objects.select_for_update(), pk=batch_id)
        imp = IMPORTERS[batch.kind]
        if not imp.allowed(actor):
            raise PermissionDenied(_("Your role does not allow this import."))
        if batch.status != ImportStatus.PREVIEWED:
            raise ValidationError(_("This upload was already imported or discarded, or is being checked."))
        if batch.errors:
            raise ValidationError(_("%(n)s row(s) have problems: nothing was imported.") % {"n": len(batch.errors)})
        if len(batch.rows) > INLINE_ROWS:
            batch.status, batch.enqueued_at, batch.failure = ImportStatus.COMMITTING, timezone.now(), ""
            batch.save(update_fields=["status", "enqueued_at", "failure"])
            record(actor=actor, action="import.start", obj=batch, after={"kind": batch.kind, "rows": len(batch.rows)})
            _enqueue(batch, "commit_import")
            return batch
    _write(batch_id)
    batch.refresh_from_db()
    if batch.status != ImportStatus.COMMITTED:
        raise ValidationError(_("%(n)s row(s) have problems: nothing was imported.") % {"n": len(batch.errors)})
    return batch


def import_write(*, batch_id: int) -> str:
    """The worker's write of a big upload (idempotent: only a batch marked for importing is written, once)."""
    return _write(batch_id, status=ImportStatus.COMMITTING)


def _write(batch_id: int, status: str = ImportStatus.PREVIEWED) -> str:
    """Check again and write every row in one transaction, or nothing (the problems are then kept on the batch)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("created_by").filter(pk=batch_id).first()
        if batch is None or batch.status != status:
            return "done"
        imp, actor = IMPORTERS[batch.kind], batch.created_by
        problems = imp.check(batch.rows, actor)
        if not problems:
            result = imp.write(batch.rows, actor, batch)
            batch.status, batch.committed_at, batch.result = ImportStatus.COMMITTED, timezone.now(), result
            batch.save(update_fields=["status", "committed_at", "result"])
            record(actor=actor, action="import.commit", obj=batch,
                   after={"kind": batch.kind, "rows": len(batch.rows), **result})
            return "committed"
    batch.errors = [list(p) for p in problems]
    batch.status = ImportStatus.PREVIEWED
    batch.failure = _("%(n)s row(s) have problems now: nothing was imported.") % {"n": len(problems)}
    batch.save(update_fields=["errors", "status", "failure"])
    return "refused"


@transaction.atomic
def import_discard(*, actor, batch_id: int) -> ImportBatch:
    batch = get_scoped_or_404(actor, ImportBatch.objects.select_for_update(), pk=batch_id)
    if batch.status in (ImportStatus.PREVIEWED, ImportStatus.CHECKING):
        batch.status = ImportStatus.DISCARDED
        batch.save(update_fields=["status"])
    return batch
