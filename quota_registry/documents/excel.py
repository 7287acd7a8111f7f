"""Excel exports and reports through the one document mechanism. A dataset names its columns (Chinese
header, unit, number format, width) and how to fetch its rows for a user; the renderer streams them
with openpyxl's write-only mode, so a million rows stay within a few hundred MB."""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import translation

from .models import Document, DocumentKind
from .services import document_request, renderer

QUANTITY_FORMAT = "#,##0.0000"


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    number_format: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: list[Column]
    rows: Callable[[object, dict], Iterable[tuple]]  # (user, filters) -> rows, already scoped


DATASETS: dict[str, Dataset] = {}


def dataset(ds: Dataset) -> Dataset:
    DATASETS[ds.name] = ds
    return ds


def write_workbook(sheets: list[tuple[str, list[Column], Iterable[tuple]]]) -> bytes:
    """One or more sheets: bold frozen header row, column widths, number formats."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[_letter(index)].width = column.width
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center", wrap_text=True)
            header.append(cell)
        sheet.append(header)
        formats = [c.number_format for c in columns]
        if any(formats):
            for row in rows:
                cells = []
                for value, fmt in zip(row, formats, strict=False):
                    cell = WriteOnlyCell(sheet, value=value)
                    if fmt:
                        cell.number_format = fmt
                    cells.append(cell)
                sheet.append(cells)
        else:
            for row in rows:
                sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def export_request(*, actor, name: str, filters: dict) -> Document:
    ds = DATASETS[name]
    return document_request(actor=actor, kind=DocumentKind.EXPORT, title=str(ds.title), fmt="xlsx",
                            params={"dataset": name, "filters": filters})


@renderer(DocumentKind.EXPORT)
def render_export(document: Document) -> bytes:
    ds = DATASETS[document.params["dataset"]]
    with translation.override("zh-hans"):
        return write_workbook([(str(ds.title), ds.columns, ds.rows(document.requested_by,
                                                                   document.params.get("filters", {})))])
