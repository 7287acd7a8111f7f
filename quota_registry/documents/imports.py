"""Importing spreadsheets: parse, check every row, show the preview, then write all rows or none.
An importer (registered by the app that owns the data) names its columns and how to check and write."""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import record

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
        result.append({"_row": number, **{c: _plain(values[i]) if i < len(values) else "" for c, i in index.items()}})
    return result


def import_preview(*, actor, kind: str, uploaded_file) -> ImportBatch:
    imp = IMPORTERS[kind]
    if not imp.allowed(actor):
        raise PermissionDenied(_("Your role does not allow this import."))
    rows = read_rows(uploaded_file, imp.columns)
    if not rows:
        raise ValidationError({"file": _("The sheet has no rows below its header.")})
    problems = imp.check(rows, actor)
    return ImportBatch.objects.create(kind=kind, original_name=uploaded_file.name[:200], rows=rows,
                                      errors=[list(p) for p in problems], created_by=actor)


@transaction.atomic
def import_commit(*, actor, batch_id: int) -> ImportBatch:
    """Check again (the data may have changed since the preview) and write every row, or nothing."""
    batch = get_scoped_or_404(actor, ImportBatch.objects.select_for_update(), pk=batch_id)
    imp = IMPORTERS[batch.kind]
    if not imp.allowed(actor):
        raise PermissionDenied(_("Your role does not allow this import."))
    if batch.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("This upload was already imported or discarded."))
    problems = imp.check(batch.rows, actor)
    if problems:
        batch.errors = [list(p) for p in problems]
        batch.save(update_fields=["errors"])
        raise ValidationError(_("%(n)s row(s) have problems: nothing was imported.") % {"n": len(problems)})
    result = imp.write(batch.rows, actor, batch)
    batch.status, batch.committed_at, batch.result = ImportStatus.COMMITTED, timezone.now(), result
    batch.save(update_fields=["status", "committed_at", "result"])
    record(actor=actor, action="import.commit", obj=batch, after={"kind": batch.kind, "rows": len(batch.rows), **result})
    return batch


@transaction.atomic
def import_discard(*, actor, batch_id: int) -> ImportBatch:
    batch = get_scoped_or_404(actor, ImportBatch.objects.select_for_update(), pk=batch_id)
    if batch.status == ImportStatus.PREVIEWED:
        batch.status = ImportStatus.DISCARDED
        batch.save(update_fields=["status"])
    return batch
