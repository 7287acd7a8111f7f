"""The "one ledger" reports (seed 002 monthly; seed 001 Art 23 annually): per factor and county, the
reserve's opening balance, what entered, was withdrawn, expired, was cancelled or transferred, and the
closing balance, plus the period's applications and the obligations overdue at its end.

The reserve is the pool plus what is held for pending withdrawals; moves between the two are internal.
Every figure is summed from the movements, and the report checks that opening + in - out equals the
closing balance computed independently from the movements up to the end (`ties_out`)."""
from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ledger.models import Account, AccountKind, Movement, TransactionKind
from quota_registry.documents.excel import QUANTITY_FORMAT, Column, write_workbook
from quota_registry.documents.models import Document, DocumentKind, DocumentStatus
from quota_registry.documents.services import document_request, renderer
from quota_registry.reference.models import Pollutant, Region
from quota_registry.review.models import Status
from trading.models import Deal, ObligationStatus, PermitChangeObligation, TradeMethod

from .models import EntryApplication, WithdrawalApplication

RESERVE = (AccountKind.POOL, AccountKind.HOLD)
# a transfer into the reserve is a buy-back (seed 001 Art 5): what the reserve's own sales leave unsold goes back from
# the hold, which the report does not count as a flow
IN_KINDS = {TransactionKind.ISSUE: "entered", TransactionKind.RETURN: "entered", TransactionKind.TRANSFER: "entered"}
OUT_KINDS = {TransactionKind.WITHDRAW: "withdrawn", TransactionKind.EXPIRE: "expired",
             TransactionKind.REVOKE: "cancelled", TransactionKind.TRANSFER: "transferred"}
FLOWS = ["entered", "withdrawn", "expired", "cancelled", "transferred", "other"]
ZERO = Decimal("0.0000")


def period_of(*, year: int, month: int | None = None) -> tuple[datetime.datetime, datetime.datetime, str]:
    tz = timezone.get_current_timezone()
    if month:
        start = datetime.datetime(year, month, 1, tzinfo=tz)
        end = start + datetime.timedelta(days=calendar.monthrange(year, month)[1])
        return start, end, f"{year}年{month}月"
    return datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz), f"{year}年"


def _direction():
    # The pool and hold accounts by id: the sums over a million movements then join no account table.
    reserve = list(Account.objects.filter(kind__in=RESERVE).values_list("pk", flat=True))
    into = Q(to_account__in=reserve) & ~Q(from_account__in=reserve)
    out = Q(from_account__in=reserve) & ~Q(to_account__in=reserve)
    return Case(When(into, then=Value("in")), When(out, then=Value("out")), default=Value("internal"),
                output_field=CharField())


def compute(start: datetime.datetime, end: datetime.datetime) -> dict:
    """One pass over the movements before the end, with three sums per factor, county, direction and kind:
    before the start (the opening balance), during the period (the flows) and all of them (the closing
    balance, summed on its own so that opening + flows = closing is a check)."""
    before, during = Q(transaction__created_at__lt=start), Q(transaction__created_at__gte=start)
    rows = (Movement.objects.filter(transaction__created_at__lt=end).annotate(direction=_direction())
            .exclude(direction="internal").values("lot__pollutant_id", "lot__region_id", "direction", "transaction__kind")
            .annotate(before=Sum("quantity", filter=before), during=Sum("quantity", filter=during),
                      total=Sum("quantity")))
    opening, closing = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    flows = defaultdict(lambda: dict.fromkeys(FLOWS, ZERO))
    for r in rows:
        key, into = (r["lot__pollutant_id"], r["lot__region_id"]), r["direction"] == "in"
        sign = 1 if into else -1
        closing[key] += sign * r["total"]
        if r["before"] is not None:
            opening[key] += sign * r["before"]
        if r["during"] is not None:
            name = (IN_KINDS if into else OUT_KINDS).get(r["transaction__kind"], "other")
            flows[key][name] += r["during"] if (into or name != "other") else -r["during"]
    pollutants = {p.pk: p for p in Pollutant.objects.all()}
    regions = {r.pk: r for r in Region.objects.all()}
    lines, ties_out = [], True
    for key in sorted(set(opening) | set(closing) | set(flows), key=lambda k: (pollutants[k[0]].sort_order,
                                                                                 regions[k[1]].sort_order)):
        f = flows[key]
        computed = opening[key] + f["entered"] + f["other"] - f["withdrawn"] - f["expired"] - f["cancelled"] - f[
            "transferred"]
        ties_out = ties_out and computed == closing[key]
        lines.append({"pollutant": pollutants[key[0]], "region": regions[key[1]], "opening": opening[key], **f,
                      "closing": closing[key]})
    applications = []
    for model, label in ((EntryApplication, "入库申请"), (WithdrawalApplication, "出库申请")):
        counts = model.objects.aggregate(
            submitted=Count("pk", filter=Q(submitted_at__gte=start, submitted_at__lt=end)),
            approved=Count("pk", filter=Q(status=Status.APPROVED, decided_at__gte=start, decided_at__lt=end)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED, decided_at__gte=start, decided_at__lt=end)),
            pending=Count("pk", filter=Q(status__in=[Status.SUBMITTED, Status.COUNTY_APPROVED])))
        applications.append({"kind": label, **counts})
    end_date = (end - datetime.timedelta(seconds=1)).date()
    overdue = list(PermitChangeObligation.objects.exclude(status=ObligationStatus.CONFIRMED)
                   .filter(due_date__lt=end_date).order_by("due_date", "id")
                   .values("due_date", "destination", enterprise_name=F("enterprise__name"), region_name=F("region__name")))
    return {"lines": lines, "applications": applications, "overdue": overdue, "ties_out": ties_out,
            "start": start, "end": end, "trades": trade_statistics(start, end)}


def trade_statistics(start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """Seed 001 Art 23: the trades confirmed in the period, per factor and method: how many trades and deals, the
    quantity and the amount (元)."""
    labels = dict(TradeMethod.choices)
    rows = (Deal.objects.filter(trade__confirmed_at__gte=start, trade__confirmed_at__lt=end)
            .values("trade__pollutant__name", "trade__pollutant__unit", "trade__pollutant__sort_order", "trade__method")
            .annotate(trades=Count("trade", distinct=True), deals=Count("pk"), quantity=Sum("quantity"),
                      amount=Sum("amount")).order_by("trade__pollutant__sort_order", "trade__method"))
    return [{"pollutant": r["trade__pollutant__name"], "unit": r["trade__pollutant__unit"],
             "method": str(labels.get(r["trade__method"], r["trade__method"])), "trades": r["trades"],
             "deals": r["deals"], "quantity": r["quantity"], "amount": r["amount"]} for r in rows]


def existing_report(*, year: int, month: int | None, fmt: str) -> Document | None:
    """The latest report of a period in one format, built or being built (not a failed one)."""
    kind = DocumentKind.MONTHLY_REPORT if month else DocumentKind.ANNUAL_REPORT
    return (Document.objects.filter(kind=kind, format=fmt, subject_id=None, params={"year": year, "month": month})
            .exclude(status=DocumentStatus.FAILED).order_by("-version").first())


def report_request(*, actor, year: int, month: int | None, fmt: str, rebuild: bool = True) -> Document:
    """A report of a period in one format. `rebuild=False`: the report already built (or being built) for the
    period is returned instead of a new version. Versions count per period and format."""
    _s, _e, label = period_of(year=year, month=month)
    if not rebuild:
        existing = existing_report(year=year, month=month, fmt=fmt)
        if existing is not None:
            return existing
    kind = DocumentKind.MONTHLY_REPORT if month else DocumentKind.ANNUAL_REPORT
    title = f"主要污染物总量指标储备库{'月报' if month else '年度统计'}（{label}）"
    return document_request(actor=actor, kind=kind, title=title, fmt=fmt,
                            params={"year": year, "month": month})


def scheduled_reports(today: datetime.date | None = None) -> list[Document]:
    """On the 1st: last month's report (and on 1 January last year's statistics), Excel and PDF, once. Returns
    the reports it requested now."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    wanted = [(last.year, last.month)] + ([(last.year, None)] if today.month == 1 else [])
    return [report_request(actor=None, year=year, month=month, fmt=fmt)
            for year, month in wanted for fmt in ("xlsx", "pdf")
            if existing_report(year=year, month=month, fmt=fmt) is None]


# The PDF lists the longest overdue obligations and how many there are: each printed row takes WeasyPrint
# several milliseconds, and ten thousand took minutes, gigabytes and 400 pages. The Excel version lists them all.
OVERDUE_IN_PDF = 50
COLUMNS = [Column("污染因子", 12), Column("计量单位", 8), Column("县（市、区）", 16), Column("期初余额", 14, QUANTITY_FORMAT),
           Column("本期入库", 14, QUANTITY_FORMAT), Column("本期出库", 14, QUANTITY_FORMAT),
           Column("本期过期", 14, QUANTITY_FORMAT), Column("本期注销", 14, QUANTITY_FORMAT),
           Column("本期划转", 14, QUANTITY_FORMAT), Column("其他调整", 14, QUANTITY_FORMAT),
           Column("期末余额", 14, QUANTITY_FORMAT)]


def _render(document: Document) -> bytes:
    year, month = document.params["year"], document.params.get("month")
    start, end, label = period_of(year=year, month=month)
    data = compute(start, end)
    if document.format == "xlsx":
        ledger_rows = [(line["pollutant"].name, line["pollutant"].unit, line["region"].name, line["opening"],
                        line["entered"], line["withdrawn"], line["expired"], line["cancelled"], line["transferred"],
                        line["other"], line["closing"]) for line in data["lines"]]
        app_rows = [(a["kind"], a["submitted"], a["approved"], a["rejected"], a["pending"]) for a in data["applications"]]
        overdue_rows = [(o["enterprise_name"], o["region_name"], o["due_date"], o["destination"]) for o in data["overdue"]]
        trade_rows = [(t["pollutant"], t["unit"], t["method"], t["trades"], t["deals"], t["quantity"], t["amount"])
                      for t in data["trades"]]
        return write_workbook([
            (f"台账（{label}）", COLUMNS, ledger_rows),
            ("申请情况", [Column("类型", 12), Column("本期提交", 10), Column("本期批准", 10), Column("本期不予批准", 12),
                      Column("期末在审", 10)], app_rows),
            ("逾期未变更许可证", [Column("企业", 30), Column("县（市、区）", 14), Column("期限", 12, "yyyy-mm-dd"),
                           Column("出让去向", 40)], overdue_rows),
            ("交易统计", [Column("污染因子", 12), Column("计量单位", 8), Column("交易方式", 12), Column("交易笔数", 10),
                      Column("成交笔数", 10), Column("成交量", 14, QUANTITY_FORMAT), Column("成交金额（元）", 16, "#,##0.00")],
             trade_rows)])
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string("documents/report.html", {
            "title": document.title, "label": label, **data, "overdue": data["overdue"][:OVERDUE_IN_PDF],
            "overdue_count": len(data["overdue"])})
    return HTML(string=html).write_pdf()


renderer(DocumentKind.MONTHLY_REPORT)(_render)
renderer(DocumentKind.ANNUAL_REPORT)(_render)

