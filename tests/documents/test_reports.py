"""The monthly and annual reports tie out to the ledger."""
import datetime as dt
import subprocess
from decimal import Decimal

import openpyxl
from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind, Holding, Lot
from quota_registry.documents.models import Document
from quota_registry.documents.services import document_render
from reserve import reports
from reserve.expiry import expire_lots
from reserve.reports import compute, period_of, report_request, scheduled_reports
from trading.services import obligation_create


def reserve_now(pollutant_code):
    return sum((h.quantity for h in Holding.objects.filter(lot__pollutant__code=pollutant_code,
                                                          account__kind__in=["pool", "hold"])), Decimal("0"))


def test_month_ties_out_to_the_ledger(make_lot, filed, api_as, demo):
    filed(upto="approved")  # SO2 100 enters
    lot = make_lot("50", pollutant="PB", enterprise="ent_huize")
    old = make_lot("5", pollutant="PB", enterprise="ent_huize")
    Lot.objects.filter(pk=old.pk).update(valid_until=dt.date(2020, 1, 1))
    expire_lots()
    ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("12"))], subject=lot)  # internal move
    ledger.post(actor=None, kind="withdraw", legs=[ledger.Leg(lot, ledger.held("530300"),
                                                             ledger.account(AccountKind.ENTERPRISE, lot.enterprise),
                                                             Decimal("12"))])
    today = timezone.localdate()
    start, end, _label = period_of(year=today.year, month=today.month)
    data = compute(start, end)
    assert data["ties_out"]
    pb = next(line for line in data["lines"] if line["pollutant"].code == "PB")
    assert (pb["opening"], pb["entered"], pb["withdrawn"], pb["expired"], pb["closing"]) == (
        Decimal("0"), Decimal("55"), Decimal("12"), Decimal("5"), Decimal("38"))
    assert pb["closing"] == reserve_now("PB")
    so2 = next(line for line in data["lines"] if line["pollutant"].code == "SO2")
    assert so2["entered"] == Decimal("100") and so2["closing"] == reserve_now("SO2")
    entries = next(a for a in data["applications"] if a["kind"] == "入库申请")
    assert entries["submitted"] == 1 and entries["approved"] == 1
    # the next month opens with this month's closing
    nxt = compute(end, end + dt.timedelta(days=28))
    assert next(line for line in nxt["lines"] if line["pollutant"].code == "PB")["opening"] == Decimal("38")


def test_report_documents_in_excel_and_pdf(make_lot, demo):
    make_lot("20", pollutant="NOX")
    today = timezone.localdate()
    xlsx = report_request(actor=demo["city_reviewer"], year=today.year, month=today.month, fmt="xlsx")
    assert document_render(xlsx.pk) == "ready"
    xlsx.refresh_from_db()
    book = openpyxl.load_workbook(xlsx.file.path)
    assert book.sheetnames[1:] == ["申请情况", "逾期未变更许可证", "交易统计"]
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "氮氧化物" and Decimal(str(rows[0][-1])) == Decimal("20")
    pdf = report_request(actor=demo["city_reviewer"], year=today.year, month=None, fmt="pdf")
    assert document_render(pdf.pk) == "ready"
    pdf.refresh_from_db()
    text = subprocess.run(["pdftotext", pdf.file.path, "-"], capture_output=True, text=True, check=True).stdout
    assert "年度统计" in text and "氮氧化物" in text and "核对一致" in text


def test_the_pdf_lists_the_longest_overdue_obligations_and_the_excel_all(demo, monkeypatch):
    monkeypatch.setattr(reports, "OVERDUE_IN_PDF", 1)
    for username, approved in (("ent_qilin", dt.date(2026, 9, 1)), ("ent_huize", dt.date(2026, 9, 24))):
        org = demo[username].organisation
        obligation_create(enterprise=org, region=org.region, origin=None, destination="会泽铅锌冶炼技改项目",
                          transferred=[{"pollutant": "SO2", "unit": "t/a", "lot": "ZB1", "quantity": "1.0000"}],
                          measure_completed_on=approved, approved_on=approved, working_days=30)
    documents = [report_request(actor=demo["city_reviewer"], year=2026, month=12, fmt=f) for f in ("xlsx", "pdf")]
    for document in documents:
        assert document_render(document.pk) == "ready"
        document.refresh_from_db()
    sheet = openpyxl.load_workbook(documents[0].file.path)["逾期未变更许可证"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        demo["ent_qilin"].organisation.name, demo["ent_huize"].organisation.name]
    text = subprocess.run(["pdftotext", documents[1].file.path, "-"], capture_output=True, text=True, check=True).stdout
    assert "共 2 项" in text and demo["ent_qilin"].organisation.name in text
    assert demo["ent_huize"].organisation.name not in text


def test_scheduled_reports_once_per_month(db):
    made = scheduled_reports(today=dt.date(2027, 1, 1))
    assert {(d.kind, d.format) for d in made} == {("monthly", "xlsx"), ("monthly", "pdf"), ("annual", "xlsx"),
                                                   ("annual", "pdf")}
    assert {tuple(d.params.values()) for d in made} == {(2026, 12), (2026, None)}
    assert scheduled_reports(today=dt.date(2027, 1, 1)) == []
    assert Document.objects.count() == 4


def test_reports_page_for_city_staff(as_user):
    assert as_user("ent_qilin").get("/reports/").status_code == 403
    response = as_user("city_reviewer").post("/reports/", {"year": 2026, "month": 10, "fmt": "xlsx"})
    assert response.status_code == 302
    assert as_user("city_approver").get(response["Location"]).status_code == 200  # city staff see city reports
    assert as_user("county_qilin").get(response["Location"]).status_code == 404
