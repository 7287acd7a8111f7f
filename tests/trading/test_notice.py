"""Seed 001 Art 17: the announcement period and the trade notice (交易通知书) within 5 working days after it; Art 20:
the trade confirmation (交易确认书) with the public log's receipt of the transfer (issue 17); who reads them."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind, LogLeaf
from quota_registry.documents.models import Document
from quota_registry.workdays import WorkdayCalendar
from tests.documents.test_forms import pdf_text_and_fonts, poppler, render_latest  # noqa: F401  (fixture)
from trading.models import Deal, Trade
from trading.trades import notice_due, notice_position

URL = "/api/v1/trades/"


@pytest.mark.parametrize(("ends", "due"), [
    (dt.date(2026, 12, 18), dt.date(2026, 12, 25)),  # a Friday: the next five weekdays
    # National Day: 30 Sep (1), the 1-7 Oct holidays, 8 Oct (2), 9 Oct (3), Saturday 10 Oct worked (4), 12 Oct (5)
    (dt.date(2026, 9, 29), dt.date(2026, 10, 12)),
])
def test_the_notice_is_due_five_working_days_after_the_period(ends, due, db):
    assert notice_due(ends, WorkdayCalendar.load()) == due


def test_notice_late_or_on_time(db):
    trade = Trade(notice_due=dt.date(2026, 12, 25), announcement_ends=dt.date(2026, 12, 18), status="announced")
    assert not notice_position(trade, today=dt.date(2026, 12, 25))["late"]
    assert notice_position(trade, today=dt.date(2026, 12, 28))["late"]  # not issued, the day has passed
    trade.notice_issued_at = dt.datetime(2026, 12, 24, 3, tzinfo=dt.UTC)
    trade.status = "trading"
    assert not notice_position(trade, today=dt.date(2027, 1, 5))["late"]
    trade.notice_issued_at = dt.datetime(2026, 12, 28, 3, tzinfo=dt.UTC)
    assert notice_position(trade, today=dt.date(2027, 1, 5))["late"]


def test_the_notice_follows_the_period_and_the_confirmation_carries_the_receipt(make_lot, api_as, demo, client):
    lot = make_lot("12", pollutant="NOX", enterprise="ent_xuanwei")
    seller = demo["ent_qilin"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                             ledger.account(AccountKind.ENTERPRISE, seller),
                                                             Decimal("8"))])
    city = api_as("city_reviewer")
    pk = api_as("ent_qilin").post(URL, {"pollutant": "NOX", "lots": [{"lot": lot.pk, "quantity": "8"}]},
                                  format="json").json()["id"]
    trade = Trade.objects.get(pk=pk)
    api_as("county_qilin").post(f"{URL}{pk}/qualify/", {"party": trade.parties.get().pk, "qualified": True},
                                format="json")
    today = timezone.localdate()
    past = city.post(f"{URL}{pk}/announce/", {"announcement_ends": today.isoformat()}, format="json")
    assert past.status_code == 400 and "announcement_ends" in past.json()
    ends = today + dt.timedelta(days=9)
    assert city.post(f"{URL}{pk}/announce/", {"announcement_ends": ends.isoformat()}, format="json").status_code == 200
    trade.refresh_from_db()
    assert (trade.announcement_ends, trade.notice_due) == (ends, notice_due(ends))
    api_as("ent_huize").post(f"{URL}{pk}/interest/", {"wanted_quantity": "5"}, format="json")
    city.post(f"{URL}{pk}/qualify/", {"party": trade.parties.get(role="buyer").pk, "qualified": True}, format="json")
    early = city.post(f"{URL}{pk}/method/", {}, format="json")
    assert early.status_code == 400 and ends.strftime("%Y-%m-%d") in str(early.json()) and "第十七条" in str(
        early.json())
    assert not Document.objects.filter(subject_id=pk, kind="tnotice").exists()

    Trade.objects.filter(pk=pk).update(announcement_ends=today - dt.timedelta(days=1))  # the period has passed
    trading_date = today + dt.timedelta(days=2)
    issued = city.post(f"{URL}{pk}/method/", {"trading_date": trading_date.isoformat()}, format="json")
    assert issued.status_code == 200, issued.json()
    trade.refresh_from_db()
    assert trade.trading_date == trading_date and trade.notice_issued_at is not None
    notice = render_latest(trade, "tnotice")
    text, fonts = pdf_text_and_fonts(notice)
    assert "CJK" in fonts and "排污权交易通知书" in text and "协议转让" in text
    assert "会泽" not in text and "1家" in text  # the buyers are counted, not named (the notice is published)
    assert f"{trading_date.year}年{trading_date.month}月{trading_date.day}日" in text

    # every one who sees the trade reads its notice (published, Art 17)
    client.force_login(demo["ent_xuanwei"])
    assert client.get(f"/documents/{notice.pk}/download/").status_code == 200

    city.post(f"{URL}{pk}/close/", {"buyer": demo["ent_huize"].organisation.pk, "quantity": "5",
                                    "unit_price": "760"}, format="json")
    city.post(f"{URL}{pk}/contract/", {"contract_number": "QJPW-2026-077"}, format="json")
    deal = Deal.objects.get(trade_id=pk)
    now = timezone.now()
    city.post(f"{URL}{pk}/settle/", {"deal": deal.pk, "buyer_paid_at": now.isoformat(),
                                     "seller_paid_at": now.isoformat()}, format="json")
    assert api_as("city_approver").post(f"{URL}{pk}/confirm/", {}, format="json").status_code == 200
    trade.refresh_from_db()
    certificate = render_latest(trade, "tcert")
    text, _fonts = pdf_text_and_fonts(certificate)
    leaf = LogLeaf.objects.get(transaction__subject_id=pk, transaction__kind="transfer")
    assert "排污权交易确认书" in text and "QJPW-2026-077" in text and "3,800.00" in text  # 5 x 760
    assert f"公开日志第{leaf.index}号叶子" in text and "扫码核验" in text
    # the confirmation: the buyer and the seller read it; another enterprise only once the deals are published
    for user, status in (("ent_huize", 200), ("ent_qilin", 200), ("ent_xuanwei", 404)):
        client.force_login(demo[user])
        assert client.get(f"/documents/{certificate.pk}/download/").status_code == status, user
    city.post(f"{URL}{pk}/publish/", {}, format="json")
    assert client.get(f"/documents/{certificate.pk}/download/").status_code == 200


def test_the_notice_due_day_moves_with_the_official_calendar(make_lot, demo):
    """Seed 001 Art 17 on China's calendar: a period ending on Friday 2030-05-10 gives Friday 2030-05-17 counted
    Monday to Friday (2030 is not yet published); once the city enters 2030 with 13-15 May off, it is Wednesday 22."""
    from quota_registry.reference.services import calendar_import
    from quota_registry.review import engine

    lot = make_lot("5", pollutant="SO2")
    trade = trades_create(demo, lot)
    engine.perform(actor=demo["city_reviewer"], model=Trade, pk=trade.pk, action="announce",
                   data={"announcement_ends": "2030-05-10"})
    trade.refresh_from_db()
    assert trade.notice_due == dt.date(2030, 5, 17)
    calendar_import(actor=demo["city_admin"], year=2030, notice="国务院办公厅关于2030年部分节假日安排的通知",
                    rows=[{"date": f"2030-05-{d}", "kind": "休", "name": "劳动节"} for d in (13, 14, 15)])
    trade.refresh_from_db()
    assert trade.notice_due == dt.date(2030, 5, 22)  # 16, 17, 20, 21, 22


def trades_create(demo, lot):
    from trading.trades import trade_create

    return trade_create(actor=demo["city_reviewer"], pollutant=lot.pollutant, lots=[(lot, Decimal("5"))])
