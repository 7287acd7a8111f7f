"""Excel exports (through the document task) and imports (preview, then all or nothing)."""
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ledger import services as ledger
from ledger.models import LedgerTransaction, Lot
from ledger.verification import verify
from quota_registry.documents.excel import export_request
from quota_registry.documents.imports import import_commit, import_preview
from quota_registry.documents.models import ImportBatch
from quota_registry.documents.services import document_render
from quota_registry.orgs.credit_code import make_code
from quota_registry.orgs.models import Organisation
from reserve.imports import COLUMNS as LOT_COLUMNS


def rendered(document):
    assert document_render(document.pk) == "ready", document.error
    document.refresh_from_db()
    return openpyxl.load_workbook(document.file.path)


def xlsx(rows, name="upload.xlsx"):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def test_lots_export_has_chinese_headers_formats_and_frozen_header(make_lot, demo):
    make_lot("12.5", pollutant="SO2")
    make_lot("3", pollutant="PB", enterprise="ent_huize")
    book = rendered(export_request(actor=demo["city_reviewer"], name="lots", filters={"pollutant": "SO2"}))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["批次编号", "污染因子", "计量单位"] and "入库量" in header and "有效期至" in header
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][1] == "二氧化硫" and Decimal(str(rows[0][8])) == Decimal("12.5")
    assert sheet.cell(row=2, column=9).number_format == "#,##0.0000"


def test_exports_are_scoped_to_the_requester(make_lot, demo):
    make_lot("1", pollutant="SO2", enterprise="ent_qilin")
    make_lot("1", pollutant="SO2", enterprise="ent_huize")
    book = rendered(export_request(actor=demo["county_huize"], name="lots", filters={}))
    assert [r[3] for r in book.active.iter_rows(min_row=2, values_only=True)] == ["会泽县"]
    movements = rendered(export_request(actor=demo["ent_qilin"], name="movements", filters={}))
    assert movements.active.max_row == 1  # the ledger is the city's: only the header


def test_movements_export_ties_out_to_the_ledger(make_lot, demo):
    lot = make_lot("7", pollutant="NOX")
    ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("2"))], subject=lot)
    book = rendered(export_request(actor=demo["city_reviewer"], name="movements", filters={"pollutant": "NOX"}))
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == ["入库", "出库冻结"]
    assert sum(Decimal(str(r[9])) for r in rows) == Decimal("9")
    held = LedgerTransaction.objects.get(sequence=rows[1][0])
    # Times are Beijing time, as the pages show them (spreadsheet cells hold no time zone).
    assert rows[1][1] == timezone.localtime(held.created_at).replace(tzinfo=None, microsecond=rows[1][1].microsecond)


def test_export_page_shows_progress_then_download(as_user, make_lot, demo):
    make_lot("1")
    client = as_user("city_reviewer")
    response = client.post("/exports/lots/", {"pollutant": "SO2", "bogus": "x"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert 'data-status="pending"' in page.content.decode()  # rendered after commit, by the worker
    assert client.post("/exports/nonsense/").status_code == 404


def enterprise_rows():
    return [["名称", "统一社会信用代码", "县（市、区）", "行业代码", "排污许可证编号", "管理类别", "地址", "联系人", "联系电话"],
            ["陆良新材料有限公司", make_code("91", "530322", 81000001), "陆良县", "2614", "", "重点管理", "陆良县", "张三", "1"],
            ["师宗化工有限公司", make_code("91", "530323", 81000002), "530323", "2621", "", "简化管理", "", "", ""]]


def test_enterprise_import_preview_then_commit(demo):
    before = Organisation.objects.count()
    batch = import_preview(actor=demo["city_admin"], kind="enterprises", uploaded_file=xlsx(enterprise_rows()))
    assert batch.errors == [] and Organisation.objects.count() == before  # a preview writes nothing
    import_commit(actor=demo["city_admin"], batch_id=batch.pk)
    assert Organisation.objects.count() == before + 2
    assert Organisation.objects.get(name="师宗化工有限公司").management_category == "simplified"


def test_a_bad_file_writes_nothing(demo, as_user):
    rows = enterprise_rows()
    rows[2][1] = "91350100M000100Y44"  # wrong check character
    rows.append(["重复企业", rows[1][1], "陆良县", "2614", "", "", "", "", ""])
    rows.append(["未知县企业", make_code("91", "530322", 81000003), "昆明市", "2614", "", "", "", "", ""])
    before = Organisation.objects.count()
    batch = import_preview(actor=demo["city_admin"], kind="enterprises", uploaded_file=xlsx(rows))
    assert [r for r, _m in batch.errors] == [3, 4, 5]
    assert "校验码" in batch.errors[0][1]
    with pytest.raises(ValidationError):
        import_commit(actor=demo["city_admin"], batch_id=batch.pk)
    assert Organisation.objects.count() == before
    html = as_user("city_admin").get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="import-errors"' in html and 'data-testid="import-commit"' not in html


def test_not_a_workbook_and_missing_columns(demo):
    with pytest.raises(ValidationError):
        import_preview(actor=demo["city_admin"], kind="enterprises",
                       uploaded_file=SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not really"))
    with pytest.raises(ValidationError, match="统一社会信用代码"):
        import_preview(actor=demo["city_admin"], kind="enterprises", uploaded_file=xlsx([["名称"], ["某企业"]]))
    assert not ImportBatch.objects.exists()


def test_ledger_import_enters_lots_as_one_opening_transaction(demo):
    ent = demo["ent_xuanwei"].organisation
    rows = [list(LOT_COLUMNS),
            ["QJ-2023-001", "COD", "12.5", ent.credit_code, "已实施减排形成的削减量", "北盘江", "2023-05-01", "2028-12-31",
             "是", "可用"],
            ["QJ-2023-002", "二氧化硫", 30, ent.credit_code, "reduction", "", "2023-05-01", "2028-12-31", "否", "计划"]]
    batch = import_preview(actor=demo["city_admin"], kind="lots", uploaded_file=xlsx(rows))
    assert batch.errors == []
    import_commit(actor=demo["city_admin"], batch_id=batch.pk)
    cod = Lot.objects.get(number="QJ-2023-001")
    assert cod.quantity == Decimal("12.5") and cod.watershed.code == "beipan" and cod.paid
    assert Lot.objects.get(number="QJ-2023-002").status == "planned"
    assert ledger.balance(ledger.pool("530300"), cod) == Decimal("12.5")
    assert verify().ok
    with pytest.raises(ValidationError):
        import_commit(actor=demo["city_admin"], batch_id=batch.pk)  # not twice


def test_ledger_import_bad_rows(demo):
    ent = demo["ent_xuanwei"].organisation
    rows = [list(LOT_COLUMNS),
            ["A", "COD", "1.23456", ent.credit_code, "reduction", "", "2023-05-01", "2022-12-31", "", ""],
            ["B", "XX", "-1", "91350100M000100Y43", "gift", "南盘江", "yesterday", "", "", "maybe"]]
    before = Lot.objects.count()
    batch = import_preview(actor=demo["city_admin"], kind="lots", uploaded_file=xlsx(rows))
    assert [r for r, _m in batch.errors] == [2, 3]
    assert Lot.objects.count() == before
    with pytest.raises(PermissionDenied):
        import_preview(actor=demo["county_qilin"], kind="lots", uploaded_file=xlsx(rows))
