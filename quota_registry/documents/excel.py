"""Excel exports and reports through the one document mechanism. A dataset names its columns (Chinese
header, unit, number format, width) and how to fetch its rows for a user; the renderer streams them
into the workbook a row at a time, so a million rows take well under a minute and memory holds the
finished file, not the rows."""
from __future__ import annotations

import datetime
import functools
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from django.utils import translation
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

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


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OPENXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DATE_FORMATS = {datetime.datetime: "yyyy-mm-dd h:mm:ss", datetime.date: "yyyy-mm-dd"}  # openpyxl's defaults
NUMBERS = (int, float, Decimal)
_UNSAFE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")  # escaped, or dropped where XML has no place for them
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def write_workbook(sheets: list[tuple[str, list[Column], Iterable[tuple]]]) -> bytes:
    """One or more sheets: bold frozen header row, column widths, number formats.

    Written as SpreadsheetML text, a row at a time: openpyxl (which reads the imports, and the tests'
    files) turns every cell into a few Python objects, about 15 µs a cell even in write-only mode, and
    the ledger export has 13 cells a movement. Each sheet is streamed to a temporary file, then
    deflated into the workbook as openpyxl does, so memory holds one row and the finished file."""
    styles = _Styles(sheets)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _content_types(len(sheets)))
        book.writestr("_rels/.rels", f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
                                     f'Type="{DOCUMENT_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOCUMENT_RELS}"><sheets>' + "".join(
            f'<sheet name={quoteattr(title[:31])} sheetId="{n}" r:id="rId{n}"/>'
            for n, (title, _c, _r) in enumerate(sheets, start=1)) + "</sheets></workbook>")
        book.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PACKAGE_RELS}">' + "".join(
            f'<Relationship Id="rId{n}" Type="{DOCUMENT_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)) + f'<Relationship Id="rId{len(sheets) + 1}" '
            f'Type="{DOCUMENT_RELS}/styles" Target="styles.xml"/></Relationships>')
        book.writestr("xl/styles.xml", styles.xml())
        for n, (_title, columns, rows) in enumerate(sheets, start=1):
            with tempfile.TemporaryFile() as xml:
                text = io.TextIOWrapper(xml, encoding="utf-8")
                _write_sheet(text, columns, rows, styles)
                text.detach()  # flushed, and the file stays open
                size = xml.tell()
                xml.seek(0)
                with book.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as part:
                    shutil.copyfileobj(xml, part, 1 << 20)
    return out.getvalue()


def _inline_string(value: str) -> str:
    """What follows a cell's reference and style for a non-empty string."""
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{_UNSAFE.sub(lambda m: _ENTITIES.get(m.group(), ""), value)}</t></is></c>'


def _content_types(sheets: int) -> str:
    return (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{OPENXML}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{OPENXML}.styles+xml"/>' + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{OPENXML}.worksheet+xml"/>'
                for n in range(1, sheets + 1)) + "</Types>")


class _Styles:
    """Cell formats: 0 plain, 1 the header, then one per number format (custom formats from id 164)."""

    def __init__(self, sheets):
        formats = [*DATE_FORMATS.values(), *(c.number_format for _t, columns, _r in sheets for c in columns)]
        self.formats = list(dict.fromkeys(f for f in formats if f))

    def attribute(self, number_format: str | None) -> str:
        return f' s="{self.formats.index(number_format) + 2}"' if number_format else ""

    def xml(self) -> str:
        number_formats = "".join(f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(f)}/>'
                                 for i, f in enumerate(self.formats))
        formatted = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
                            f'applyNumberFormat="1"/>' for i in range(len(self.formats)))
        return (f'<styleSheet xmlns="{MAIN}"><numFmts count="{len(self.formats)}">{number_formats}</numFmts>'
                '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
                '<font><b val="1"/><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="3"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>'
                '<fill><patternFill patternType="solid"><fgColor rgb="00DDE6F0"/></patternFill></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(self.formats) + 2}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
                'applyAlignment="1"><alignment horizontal="center" wrapText="1"/></xf>'
                f'{formatted}</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
                '</cellStyles></styleSheet>')


def _write_sheet(out, columns: list[Column], rows: Iterable[tuple], styles: _Styles) -> None:
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    out.write(f'<worksheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0">'
              '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
              '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews><cols>' + "".join(
                  f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns, 1))
              + '</cols><sheetData><row r="1">' + "".join(
                  f'<c r="{letter}1" s="1"{_inline_string(str(c.header))}'
                  for letter, c in zip(letters, columns, strict=True)) + "</row>")
    inline_string = functools.lru_cache(maxsize=1 << 16)(_inline_string)  # labels and names repeat row after row
    layout = [(letter, styles.attribute(c.number_format)) for letter, c in zip(letters, columns, strict=True)]
    dates = {kind: styles.attribute(f) for kind, f in DATE_FORMATS.items()}
    batch = []
    for r, row in enumerate(rows, start=2):
        cells = []
        for value, (letter, style) in zip(row, layout, strict=False):
            if isinstance(value, str) and value:
                cells.append(f'<c r="{letter}{r}"{style}{inline_string(value)}')
            elif isinstance(value, bool):
                cells.append(f'<c r="{letter}{r}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, NUMBERS):
                cells.append(f'<c r="{letter}{r}"{style}><v>{value}</v></c>')
            elif isinstance(value, datetime.date):
                cells.append(f'<c r="{letter}{r}"{style or dates[type(value)]}><v>{to_excel(value)}</v></c>')
            elif value is None or value == "":
                if style:  # an empty cell keeps its column's format
                    cells.append(f'<c r="{letter}{r}"{style}/>')
            else:
                raise TypeError(f"an Excel cell cannot hold {type(value).__name__}: {value!r}")
        batch.append(f'<row r="{r}">{"".join(cells)}</row>')
        if len(batch) == 1000:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch) + "</sheetData></worksheet>")


def export_request(*, actor, name: str, filters: dict) -> Document:
    ds = DATASETS[name]
    return document_request(actor=actor, kind=DocumentKind.EXPORT, title=str(ds.title), fmt="xlsx",
                            params={"dataset": name, "filters": filters})


@renderer(DocumentKind.EXPORT)
def render_export(document: Document) -> bytes:
    from quota_registry.replica import replica_reads

    ds = DATASETS[document.params["dataset"]]
    with translation.override("zh-hans"), replica_reads():  # an export reads from the replica, if there is one
        return write_workbook([(str(ds.title), ds.columns, ds.rows(document.requested_by,
                                                                   document.params.get("filters", {})))])
