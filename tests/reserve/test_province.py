"""Issue 19: several cities in one portal. Each city's pool, the province's one-ledger tied out to the cities'
ledgers month by month, the monthly reports stored once, and transfers between cities on the engine with the
limits of seed 003 Art 21 (refusals name the rule)."""
import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from accounting.onebook import months_between
from ledger import services as ledger
from ledger.models import AccountKind, Holding, LedgerTransaction, Movement, TransactionKind
from ledger.verification import verify
from quota_registry.reference.models import Region
from quota_registry.review import engine
from quota_registry.review.errors import TransitionNotAllowed
from reserve import province
from reserve.models import CityMonthReport, CityTransfer, TransferStatus
from reserve.transfers import transfer_create


@pytest.fixture(autouse=True)
def _no_earlier_sums():
    """The month not yet reported is summed once and kept for minutes (province.live_month), under a key that is the
    same in every test (the demo's ledger begins alike): a sum an earlier test kept is not this test's."""
    from django.core.cache import cache

    cache.clear()


def at(monkeypatch, when: datetime.datetime):
    """Post to the ledger as if at `when` (the one-ledger counts a movement in its transaction's month)."""
    monkeypatch.setattr(ledger, "timezone", SimpleNamespace(now=lambda: when))


def local(y, m, d):
    return timezone.make_aware(datetime.datetime(y, m, d, 10, 0))


def balance_at(city, factor, end) -> Decimal:
    """The city's pool for a factor at `end`, counted independently of the one-ledger: movements in minus out."""
    pool = ledger.pool(city)
    moves = Movement.objects.filter(transaction__created_at__lt=end, lot__pollutant__code=factor)
    into = moves.filter(to_account=pool).aggregate(s=Sum("quantity"))["s"] or Decimal(0)
    out = moves.filter(from_account=pool).aggregate(s=Sum("quantity"))["s"] or Decimal(0)
    return into - out


def month_end(month: str) -> datetime.datetime:
    y, m = map(int, month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return timezone.make_aware(datetime.datetime(y, m, 1))


def test_the_one_ledger_ties_out_to_the_cities_ledgers_every_month_and_factor(make_lot, demo, monkeypatch):
    today = timezone.localdate()
    first = (today.replace(day=1) - datetime.timedelta(days=70)).replace(day=1)  # two months back, and this one
    second = (first + datetime.timedelta(days=40)).replace(day=1)
    at(monkeypatch, local(first.year, first.month, 3))
    qj = make_lot("100", "SO2", "ent_qilin")
    hh = make_lot("40.5", "SO2", "ent_gejiu")
    make_lot("20", "COD", "ent_mengzi", watershed=Region.objects.get(code="532503").watersheds.first())
    at(monkeypatch, local(second.year, second.month, 9))
    held = ledger.hold(actor=None, allocations=[(qj, Decimal("30"))], subject=qj, pool=ledger.pool("530300"))
    ledger.release(actor=None, hold_transaction=held)
    ledger.post(actor=None, kind=TransactionKind.TRANSFER, subject=hh, legs=[
        ledger.Leg(hh, ledger.pool("532500"), ledger.pool("530300"), Decimal("10.25"))])
    monkeypatch.undo()
    ledger.hold(actor=None, allocations=[(qj, Decimal("5"))], subject=qj, pool=ledger.pool("530300"))

    months = months_between(f"{first:%Y-%m}", f"{today:%Y-%m}")
    rows = {(r.city, r.factor, r.month): r for r in province.one_ledger(months)}
    cities = {c.pk: c for c in Region.objects.filter(level="city")}
    assert len(cities) == 2
    for month in months:
        for factor in ("SO2", "COD", "NOX"):
            for city_id, city in cities.items():
                r = rows[(city_id, factor, month)]
                assert r.closing == balance_at(city, factor, month_end(month)), (city.name, factor, month)
                assert r.closing == r.opening + r.added - r.used + r.transferred_in - r.transferred_out
            total = rows[(None, factor, month)]
            assert total.closing == sum(rows[(c, factor, month)].closing for c in cities)
    # this month's closing is what each pool holds now
    for city_id in cities:
        held_now = Holding.objects.filter(account=ledger.pool(city_id), lot__pollutant__code="SO2").aggregate(
            s=Sum("quantity"))["s"]
        assert rows[(city_id, "SO2", f"{today:%Y-%m}")].closing == held_now
    second_month = rows[(ledger.pool("530300").city_id, "SO2", f"{second:%Y-%m}")]
    assert second_month.transferred_in == Decimal("10.25") and second_month.used == 0  # the hold came back
    assert rows[(None, "SO2", f"{second:%Y-%m}")].transferred_out == Decimal("10.25")

    # the monthly job stores the months that ended; then the same figures come from the reports and the movements of
    # the months after them only, whether the months are read together or one by one, with a month not reported
    for month in months[:1]:
        province.report_month(month)
    for shown in (months, months[1:], months[-1:], months[:1]):
        again = {(r.city, r.factor, r.month): r for r in province.one_ledger(shown)}
        assert again == {k: v for k, v in rows.items() if k[2] in shown}, shown
    province.report_month(months[1])
    assert {(r.city, r.factor, r.month): r for r in province.one_ledger(months)} == rows

    # the page's month not yet reported: summed for every city; a city's staff see their city (its row is its total:
    # a row of the city's own labelled the province's total read as unbalanced)
    today_month = months[-1]
    qujing_id = ledger.pool("530300").city_id
    table = province.year_table(today.year, month=today_month, today=today)
    assert table["as_of"] is not None and not table["reported"]
    assert {(r.city, r.factor): r for r in table["rows"]} == {(c, f): r for (c, f, m), r in rows.items()
                                                               if m == today_month}
    own = {(r.city, r.factor): r for r in province.year_table(today.year, month=today_month, today=today,
                                                               city_ids=[qujing_id])["rows"]}
    assert {c for c, _f in own} == {qujing_id}
    assert own[(qujing_id, "SO2")] == next(r for r in table["rows"] if (r.city, r.factor) == (qujing_id, "SO2"))
    # a posting moves the ledger: the next page sums again (the worker's sum is reused only while it is recent)
    before = province.live_month(today_month)
    ledger.hold(actor=None, allocations=[(qj, Decimal("1"))], subject=qj, pool=ledger.pool("530300"))
    assert province.live_month(today_month)["at"] == before["at"]  # within LIVE_SECONDS: as of then
    assert province.refresh_current(today) > 0
    fresh = province.live_month(today_month)
    assert fresh["at"] > before["at"] and fresh["version"] != before["version"]


def test_the_monthly_reports_arrive_by_themselves_once_and_equal_the_ledger(make_lot, demo, monkeypatch):
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    at(monkeypatch, local(last.year, last.month, 2))
    make_lot("12.3456", "NOX", "ent_gejiu")
    monkeypatch.undo()
    reports = province.report_last_month(today)
    month = f"{last:%Y-%m}"
    computed = {(r.city, r.factor): r for r in province.one_ledger([month]) if r.city}
    assert len(reports) == len(computed) > 0
    for report in reports:
        assert report.closing == computed[(report.city_id, report.pollutant.code)].closing
    gejiu_city = Region.objects.get(code="532500")
    assert CityMonthReport.objects.get(month=month, city=gejiu_city, pollutant__code="NOX").closing >= Decimal("12.3456")
    assert province.report_last_month(today) == []  # kept as it was sent
    from quota_registry.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="citymonthreport.create", actor__isnull=True).count() == len(reports)


@pytest.fixture
def honghe_so2(make_lot):
    return make_lot("50", "SO2", "ent_gejiu")


def _request(demo, **data):
    body = {"from_city": "532500", "pollutant": "SO2", "quantity": "12.5", "project_name": "麒麟示范热电扩建",
            "region": "530302", "reason": "本市储备不足"}
    body.update(data)
    return transfer_create(actor=demo["city_reviewer"], data=body)


def test_a_transfer_moves_quota_between_the_two_pools_after_both_cities_and_the_province(demo, honghe_so2):
    transfer = _request(demo)
    assert transfer.status == TransferStatus.REQUESTED and transfer.number.startswith("KS")
    with pytest.raises(PermissionDenied):  # the requesting city does not agree for the giving one
        engine.perform(actor=demo["city_approver"], model=CityTransfer, pk=transfer.pk, action="agree")
    engine.perform(actor=demo["honghe_reviewer"], model=CityTransfer, pk=transfer.pk, action="agree")
    before = {c: ledger.balance(ledger.pool(c), honghe_so2) for c in ("530300", "532500")}
    engine.perform(actor=demo["province"], model=CityTransfer, pk=transfer.pk, action="approve",
                   data={"opinion": "同意"})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.TRANSFERRED
    txn = transfer.ledger_transaction
    assert txn.kind == TransactionKind.TRANSFER and txn.movements.count() == 1
    assert ledger.balance(ledger.pool("530300"), honghe_so2) == before["530300"] + Decimal("12.5")
    assert ledger.balance(ledger.pool("532500"), honghe_so2) == before["532500"] - Decimal("12.5")
    assert [d.stage for d in engine.decisions_of(transfer)] == ["city", "province"]
    assert verify().ok


def test_a_water_transfer_across_basins_is_refused_naming_the_rule(demo, make_lot):
    yuanjiang = Region.objects.get(code="532503").watersheds.get(code="yuanjiang")
    make_lot("30", "COD", "ent_mengzi", watershed=yuanjiang)
    count = CityTransfer.objects.count()
    with pytest.raises(ValidationError) as refused:
        _request(demo, pollutant="COD", quantity="5", watershed="nanpan")
    assert "第二十一条第（一）项" in str(refused.value) and CityTransfer.objects.count() == count


def test_a_non_attaining_county_receives_nothing_from_outside_its_city(demo, make_lot):
    make_lot("30", "NOX", "ent_gejiu")
    with pytest.raises(ValidationError) as refused:  # 麒麟区 did not attain O3, which NOx decides
        _request(demo, pollutant="NOX", quantity="5")
    assert "麒麟区" in str(refused.value) and "第二十一条第（二）项" in str(refused.value)


def test_the_province_refuses_at_approval_when_the_giving_pool_no_longer_has_it(demo, honghe_so2):
    transfer = _request(demo, quantity="50")
    engine.perform(actor=demo["honghe_reviewer"], model=CityTransfer, pk=transfer.pk, action="agree")
    ledger.hold(actor=None, allocations=[(honghe_so2, Decimal("1"))], subject=honghe_so2, pool=ledger.pool("532500"))
    n = LedgerTransaction.objects.count()
    with pytest.raises(ValidationError):
        engine.perform(actor=demo["province"], model=CityTransfer, pk=transfer.pk, action="approve")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.AGREED and LedgerTransaction.objects.count() == n


def test_each_city_keeps_its_own_pool_and_sees_nothing_of_the_other(demo, api_as, make_lot):
    lot = make_lot("8", "SO2", "ent_gejiu")
    assert Holding.objects.get(lot=lot, account__kind=AccountKind.POOL).account.city.code == "532500"
    qujing_entry = api_as("ent_qilin").post("/api/v1/entry-applications/", {
        "source_kind": "reduction", "measure": "treatment", "measure_description": "脱硫改造",
        "items": [{"pollutant": "SO2", "accounting_method": "declared", "quantity": "3",
                   "completion_date": "2026-01-05", "accounting_basis": "执行报告"}]}, format="json").json()
    for user in ("honghe_reviewer", "county_gejiu", "ent_gejiu"):
        assert api_as(user).get(f"/api/v1/entry-applications/{qujing_entry['id']}/").status_code == 404
    assert api_as("province").get(f"/api/v1/entry-applications/{qujing_entry['id']}/").status_code == 200
    transfer = _request(demo, quantity="5")
    visible = CityTransfer.objects.filter(pk=transfer.pk)
    from quota_registry.access import scope

    assert scope(demo["honghe_reviewer"], visible).exists() and scope(demo["city_reviewer"], visible).exists()
    assert scope(demo["province"], visible).exists() and not scope(demo["county_gejiu"], visible).exists()
    assert not scope(demo["ent_qilin"], visible).exists()


def test_the_api_requests_and_decides_a_transfer_and_names_the_rule_it_breaks(demo, api_as, make_lot):
    make_lot("30", "SO2", "ent_gejiu")
    body = {"from_city": "532500", "pollutant": "SO2", "quantity": "6", "project_name": "麒麟示范热电扩建",
            "region": "530302", "reason": "本市储备不足"}
    made = api_as("city_reviewer").post("/api/v1/transfers/", body, format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["allowed_actions"] == [] and made.json()["to_city"] == "530300"
    assert api_as("honghe_reviewer").get(f"/api/v1/transfers/{pk}/").json()["allowed_actions"] == ["agree", "decline"]
    assert api_as("county_gejiu").get(f"/api/v1/transfers/{pk}/").status_code == 404
    assert api_as("honghe_reviewer").post(f"/api/v1/transfers/{pk}/agree/", {}, format="json").status_code == 200
    done = api_as("province").post(f"/api/v1/transfers/{pk}/approve/", {"opinion": "同意"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "transferred" and done.json()["ledger_transaction"]
    refused = api_as("city_reviewer").post("/api/v1/transfers/", {**body, "pollutant": "NOX"}, format="json")
    assert refused.status_code == 400 and "第二十一条第（二）项" in str(refused.json())


def test_each_city_numbers_its_own_records(demo, api_as):
    body = {"source_kind": "reduction", "measure": "treatment", "measure_description": "脱硫改造",
            "items": [{"pollutant": "SO2", "accounting_method": "declared", "quantity": "3",
                       "completion_date": "2026-01-05", "accounting_basis": "执行报告"}]}
    year = timezone.localdate().year
    numbers = {user: [api_as(user).post("/api/v1/entry-applications/", body, format="json").json()["number"]
                      for _ in range(2)] for user in ("ent_qilin", "ent_gejiu", "ent_mengzi")}
    # the main city's numbers as they always were; Honghe's with its division code and a counter of its own, gap-free
    # across its counties
    qujing = [int(n[-6:]) for n in numbers["ent_qilin"]]
    assert all(n.startswith(f"RK{year}") for n in numbers["ent_qilin"]) and qujing[1] == qujing[0] + 1
    honghe = numbers["ent_gejiu"] + numbers["ent_mengzi"]
    assert all(n.startswith(f"RK5325{year}") and len(n) == 16 for n in honghe)
    assert sorted(int(n[-6:]) for n in honghe) == list(range(int(honghe[0][-6:]), int(honghe[0][-6:]) + 4))


def _arrange(demo, **data):
    body = {"from_city": "532500", "pollutant": "SO2", "quantity": "7.25", "project_name": "省重点项目：曲靖绿色硅材料",
            "region": "530302", "reason": "省级统筹：红河州储备盈余"}
    body.update(data)
    return transfer_create(actor=demo["province"], data=body)


def test_the_province_arranges_a_transfer_from_a_city_with_surplus_and_approves_it(demo, honghe_so2):
    """Seed 002: the province takes quota from a city whose pool has a surplus for a key project in another, without
    that city's agreement; both cities are told; the quota moves when the province approves."""
    from quota_registry.notifications.models import Notification

    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    transfer = _arrange(demo)
    assert (transfer.status, transfer.origin, transfer.to_city.code) == (TransferStatus.ARRANGED, "province", "530300")
    recipients = set(Notification.objects.filter(pk__gt=last).values_list("recipient__username", flat=True))
    assert {"honghe_reviewer", "city_reviewer"} <= recipients and "county_gejiu" not in recipients
    from reserve.workflows import ARRANGED_WAY

    assert [s["label"] for s in engine.progress(transfer)["steps"]] == [m.label for m in ARRANGED_WAY]
    for action in ("agree", "decline"):  # the giving city is told, not asked
        with pytest.raises(TransitionNotAllowed):
            engine.perform(actor=demo["honghe_reviewer"], model=CityTransfer, pk=transfer.pk, action=action,
                           data={"opinion": "不同意"})
    with pytest.raises(PermissionDenied):
        engine.perform(actor=demo["city_approver"], model=CityTransfer, pk=transfer.pk, action="approve")
    before = {c: ledger.balance(ledger.pool(c), honghe_so2) for c in ("530300", "532500")}
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="approve",
                   data={"opinion": "同意调配"})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.TRANSFERRED and transfer.ledger_transaction.kind == TransactionKind.TRANSFER
    assert ledger.balance(ledger.pool("530300"), honghe_so2) == before["530300"] + Decimal("7.25")
    assert ledger.balance(ledger.pool("532500"), honghe_so2) == before["532500"] - Decimal("7.25")
    assert [d.stage for d in engine.decisions_of(transfer)] == ["province"]
    assert verify().ok


def test_the_province_arranges_only_between_two_cities_and_within_the_limits(demo, make_lot, honghe_so2):
    count = CityTransfer.objects.count()
    with pytest.raises(ValidationError) as same:  # the project's own city is not a giving city
        _arrange(demo, from_city="530300")
    assert "from_city" in same.value.message_dict
    make_lot("30", "NOX", "ent_gejiu")
    with pytest.raises(ValidationError) as refused:  # Art 21(2) binds the province's arrangement too
        _arrange(demo, pollutant="NOX", quantity="5")
    assert "第二十一条第（二）项" in str(refused.value)
    with pytest.raises(ValidationError) as too_much:
        _arrange(demo, quantity="50.0001")
    assert "quantity" in too_much.value.message_dict
    for user in ("county_qilin", "ent_qilin"):
        with pytest.raises(PermissionDenied):
            transfer_create(actor=demo[user], data={"from_city": "532500"})
    with pytest.raises(ValidationError) as elsewhere:  # a city asks only for its own counties
        _request(demo, region="532501")
    assert "region" in elsewhere.value.message_dict
    assert CityTransfer.objects.count() == count


def test_the_pool_overview_follows_quota_into_the_receiving_citys_pool(demo, honghe_so2):
    from reserve.selectors import pool_overview

    def cell(user, county):
        found = pool_overview(demo[user])
        so2 = next(row for row in found["table"] if row["pollutant"].code == "SO2")
        cells = {c.code: x for c, x in zip(found["counties"], so2["cells"], strict=True)}
        return cells.get(county)

    honghe_before = cell("honghe_reviewer", "532501")["available"]
    assert cell("city_reviewer", "532501") is None  # nothing of Honghe's in Qujing's pool yet
    transfer = _arrange(demo, quantity="7.25")
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="approve")
    received = cell("city_reviewer", "532501")
    assert received["available"] == Decimal("7.25") and received["received"] and received["issued"] == 0
    assert cell("honghe_reviewer", "532501")["available"] == honghe_before - Decimal("7.25")
    assert cell("honghe_reviewer", "532501")["given"] == Decimal("7.25")  # says where it went
    assert not cell("city_reviewer", "532501")["given"]
    assert not cell("honghe_reviewer", "532501")["received"]
    assert cell("county_qilin", "532501") is None  # the pool is the city's: a county sees its own lots


def test_the_one_ledger_api_shows_the_pages_figures_to_whom_may_see_them(demo, api_as, honghe_so2):
    transfer = _request(demo, quantity="3")
    engine.perform(actor=demo["honghe_reviewer"], model=CityTransfer, pk=transfer.pk, action="agree")
    engine.perform(actor=demo["province"], model=CityTransfer, pk=transfer.pk, action="approve")
    page = province.page(city_ids=None)
    body = api_as("province").get("/api/v1/one-ledger/").json()
    assert body["month"] == page["month"] and len(body["rows"]) == len(page["rows"])
    so2 = {r["city"]: r for r in body["rows"] if r["pollutant"] == "SO2"}
    assert Decimal(so2["530300"]["transferred_in"]) >= 3 and Decimal(so2["532500"]["transferred_out"]) >= 3
    assert Decimal(so2[None]["closing"]) == Decimal(so2["530300"]["closing"]) + Decimal(so2["532500"]["closing"])
    for row in body["rows"]:
        assert Decimal(row["closing"]) == (Decimal(row["opening"]) + Decimal(row["added"]) - Decimal(row["used"])
                                           + Decimal(row["transferred_in"]) - Decimal(row["transferred_out"]))
    city = api_as("city_reviewer").get("/api/v1/one-ledger/?year=not-a-year").json()
    assert {r["city"] for r in city["rows"]} <= {"530300", None} and city["year"] == timezone.localdate().year
    assert api_as("county_qilin").get("/api/v1/one-ledger/").status_code == 403
    assert api_as("ent_qilin").get("/api/v1/one-ledger/").status_code == 403
    from rest_framework.test import APIClient

    page = APIClient().get("/public/province/").content.decode()  # the province's page, not the main city's
    assert "云南省生态环境厅" in page and "曲靖市生态环境局" not in page
    public = APIClient().get("/api/v1/public/one-ledger/")
    assert public.status_code == 200 and public.json()["rows"] == body["rows"]
    assert APIClient().get("/api/v1/one-ledger/").status_code in (401, 403)


def test_the_province_arranges_through_the_api_and_a_city_may_not(demo, api_as, honghe_so2):
    body = {"from_city": "532500", "pollutant": "SO2", "quantity": "2.5", "project_name": "省重点项目",
            "region": "530302", "reason": "省级统筹"}
    made = api_as("province").post("/api/v1/transfers/", body, format="json")
    assert made.status_code == 201, made.json()
    data = made.json()
    assert (data["origin"], data["status"], data["to_city"]) == ("province", "arranged", "530300")
    assert data["allowed_actions"] == []  # who arranged it does not decide it (four-eyes)
    leader = api_as("province_leader").get(f"/api/v1/transfers/{data['id']}/").json()
    assert leader["allowed_actions"] == ["approve", "refuse"]
    mine = api_as("province").post(f"/api/v1/transfers/{data['id']}/approve/", {}, format="json")
    assert mine.status_code == 403 and "另一" in str(mine.json())
    assert api_as("honghe_reviewer").get(f"/api/v1/transfers/{data['id']}/").json()["allowed_actions"] == []
    assert api_as("honghe_reviewer").post(f"/api/v1/transfers/{data['id']}/agree/", {}, format="json").status_code == 409
    elsewhere = api_as("honghe_reviewer").post("/api/v1/transfers/", {**body, "from_city": "530300",
                                                                        "region": "530302"}, format="json")
    assert elsewhere.status_code == 400 and "region" in elsewhere.json()  # a city asks only for its own counties
    assert api_as("county_qilin").post("/api/v1/transfers/", body, format="json").status_code == 403


def test_a_citys_records_are_told_to_its_own_staff_only(demo, filed, honghe_so2):
    """Issue 19: nothing of one city reaches another's staff, notifications included (a county's approval told every
    city's approvers; a pledge to register, every city's reviewers)."""
    from quota_registry.notifications.models import Notification
    from trading import pledges

    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    filed(upto="county_approved")  # Qujing's: its city reviewers are told
    general = ledger.account(AccountKind.ENTERPRISE, demo["ent_gejiu"].organisation)
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(honghe_so2, ledger.pool("532500"), general,
                                                              Decimal("5"))])
    from tests.reserve.conftest import pdf

    pledges.pledge_create(actor=demo["ent_gejiu"], bank=demo["bank"].organisation, lot=honghe_so2, quantity="2",
                          contract_number="HH-DY-1", secured_amount="100000", starts_on=timezone.localdate(),
                          ends_on=timezone.localdate() + datetime.timedelta(days=365), files=[pdf("抵押合同.pdf")])
    told = Notification.objects.filter(pk__gt=last).select_related("recipient")
    qujing = {n.subject for n in told if n.recipient.username == "city_reviewer"}
    honghe = {n.subject for n in told if n.recipient.username == "honghe_reviewer"}
    assert any("RK" in s for s in qujing) and not any("RK" in s for s in honghe)
    assert any("DY" in s for s in honghe) and not any("DY" in s for s in qujing)


def test_a_lot_partly_given_to_another_city_shows_what_is_left_in_its_citys_pool(demo, honghe_so2):
    from ledger.selectors import lots

    transfer = _arrange(demo, quantity="7.25")
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="approve")
    for user, expected in (("honghe_reviewer", Decimal("42.75")), ("province", Decimal("50"))):
        assert lots(demo[user]).get(pk=honghe_so2.pk).available == expected, user


def test_the_receiving_city_opens_the_lots_its_pool_received_and_is_told_of_their_expiry(demo, as_user, honghe_so2,
                                                                                          make_lot):
    """A lot given to another city is that city's too (issue 19): its staff find it on the lot list and open its page
    with what their pool holds of it and its evidence, and are told ahead of its expiry; its issued quantity stays the
    giving city's, it is decided by the giving city only, and nobody else of the receiving city (a county, an
    enterprise) reaches it, nor any other lot of the giving city."""
    from quota_registry.files.services import attachments_add
    from quota_registry.notifications.models import Notification
    from reserve.expiry import notify_expiring
    from reserve.workflows import LOTS_CITY

    from .conftest import pdf

    kept = make_lot("30", "NOX", "ent_gejiu")  # Honghe's, not given
    evidence, = attachments_add(actor=demo["honghe_reviewer"], owner=honghe_so2, files=[pdf()],
                                organisation=honghe_so2.enterprise, region=honghe_so2.region)
    for user in ("city_reviewer", "county_qilin", "ent_qilin"):  # before: Honghe's lot is not Qujing's
        assert as_user(user).get(f"/lots/{honghe_so2.pk}/").status_code == 404, user
    assert as_user("city_reviewer").get(f"/files/{evidence.pk}/").status_code == 404
    transfer = _arrange(demo, quantity="7.25")
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="approve")

    assert as_user("city_reviewer").get(f"/files/{evidence.pk}/").status_code == 200
    assert as_user("city_reviewer").get(f"/lots/{kept.pk}/").status_code == 404  # only what it received
    assert kept.number not in as_user("city_reviewer").get("/lots/").content.decode()
    assert not LOTS_CITY(demo["city_reviewer"], honghe_so2) and LOTS_CITY(demo["honghe_reviewer"], honghe_so2)

    page = as_user("city_reviewer").get(f"/lots/{honghe_so2.pk}/")
    assert "本批次在红河哈尼族彝族自治州入库" in page.content.decode()  # what 入库量 and 可用 are of, said
    listed = as_user("city_reviewer").get("/lots/?region=532501").content.decode()
    assert "调自红河哈尼族彝族自治州" in listed and '<option value="532501" selected>' in listed  # the filter kept
    assert "本批次在" not in as_user("honghe_reviewer").get(f"/lots/{honghe_so2.pk}/").content.decode()
    from ledger.selectors import balances, lots

    assert page.status_code == 200 and honghe_so2.number in page.content.decode()
    assert honghe_so2.number in as_user("city_reviewer").get("/lots/?pollutant=SO2").content.decode()
    assert [lot.available for lot in lots(demo["city_reviewer"]).filter(pk=honghe_so2.pk)] == [Decimal("7.25")]
    assert lots(demo["city_reviewer"]).filter(pk=honghe_so2.pk).count() == 1  # once, whatever it holds of it
    issued = {(r["pollutant"].code, r["region"].code): r["issued"] for r in balances(demo["city_reviewer"])}
    assert issued[("SO2", "532501")] == 0  # issued in Honghe: Qujing's pool holds it, Qujing did not issue it
    for user in ("county_qilin", "ent_qilin"):  # the pool is the city's, not a county's or an enterprise's
        assert as_user(user).get(f"/lots/{honghe_so2.pk}/").status_code == 404, user
        assert as_user(user).get(f"/files/{evidence.pk}/").status_code == 404, user

    told = Notification.objects.filter(link=f"/lots/{honghe_so2.pk}/")
    assert notify_expiring(today=honghe_so2.valid_until - datetime.timedelta(days=20)) >= 1
    recipients = set(told.values_list("recipient__username", flat=True))
    assert {"city_reviewer", "city_approver", "honghe_reviewer", "ent_gejiu"} <= recipients


def test_the_arrangers_page_says_another_person_approves(demo, as_user, honghe_so2):
    """Four-eyes at the province: who arranged a transfer is told on its page that another person decides it, and is
    offered no decision; the province's other people are told of it and offered both."""
    from quota_registry.notifications.models import Notification

    transfer = _arrange(demo, quantity="2")
    mine = as_user("province").get(f"/transfers/{transfer.pk}/").content.decode()
    assert "由省厅另一人员决定" in mine and "。。" not in mine
    assert 'value="approve"' not in mine and 'value="refuse"' not in mine
    theirs = as_user("province_leader").get(f"/transfers/{transfer.pk}/").content.decode()
    assert 'value="approve"' in theirs and 'value="refuse"' in theirs
    told = set(Notification.objects.filter(link=f"/transfers/{transfer.pk}/").values_list("recipient__username",
                                                                                             flat=True))
    assert "province_leader" in told and "province" not in told


def test_each_city_holds_in_its_own_hold_and_sees_only_its_own_held_quota(demo, honghe_so2, make_lot):
    """A withdrawal's hold lies in its city's HOLD account (issue 19): a hold of Qujing's on quota it received from
    Honghe shows as held in Qujing's overview, not in Honghe's; what the shared hold of before each city kept its own
    still holds counts by the lot's county of origin."""
    from reserve.selectors import pool_overview

    def cell(user, county, factor="SO2"):
        found = pool_overview(demo[user])
        row = next(r for r in found["table"] if r["pollutant"].code == factor)
        return {c.code: x for c, x in zip(found["counties"], row["cells"], strict=True)}.get(county)

    transfer = _arrange(demo, quantity="7.25")
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="approve")
    txn = ledger.hold(actor=demo["city_approver"], allocations=[(honghe_so2, Decimal("2"))], subject=honghe_so2,
                      pool=ledger.pool("530300"))
    assert {m.to_account for m in txn.movements.all()} == {ledger.held("530300")} != {ledger.held("532500")}
    assert (cell("city_reviewer", "532501")["held"], cell("city_reviewer", "532501")["available"]) == (
        Decimal("2"), Decimal("5.25"))
    assert cell("honghe_reviewer", "532501")["held"] == 0
    assert cell("honghe_reviewer", "532501")["available"] == Decimal("42.75")

    qujing = make_lot("9", "NOX")  # a hold of before, in the shared account
    ledger.post(actor=None, kind=TransactionKind.HOLD, legs=[
        ledger.Leg(qujing, ledger.pool("530300"), ledger.account(AccountKind.HOLD), Decimal("4"))])
    assert cell("city_reviewer", "530302", "NOX")["held"] == Decimal("4")
    assert cell("honghe_reviewer", "530302", "NOX") is None
    assert verify().ok


def test_a_citys_ledger_names_only_its_own_enterprises(demo, as_user, api_as, make_lot):
    """Every city's staff read the whole chain of the ledger (it is public, Art 24), but whose account another city's
    quota lies in is that city's business (issue 19): an enterprise of another city is named by its account's kind
    only, as the public ledger names every account."""
    qilin = demo["ent_qilin"].organisation
    lot = make_lot("6", "NOX")
    ledger.post(actor=None, kind=TransactionKind.TRANSFER, legs=[
        ledger.Leg(lot, ledger.pool("530300"), ledger.account(AccountKind.ENTERPRISE, qilin), Decimal("6"))])
    for user, named in (("city_reviewer", True), ("honghe_reviewer", False)):
        page = as_user(user).get("/ledger/").content.decode()
        api = str(api_as(user).get("/api/v1/ledger/").json())
        assert (qilin.name in page, qilin.name in api) == (named, named), user
        assert named or "企业持有（外市）" in page, user
    honghe_lot = make_lot("4", "NOX", "ent_gejiu")
    gejiu = demo["ent_gejiu"].organisation
    ledger.post(actor=None, kind=TransactionKind.TRANSFER, legs=[
        ledger.Leg(honghe_lot, ledger.pool("532500"), ledger.account(AccountKind.ENTERPRISE, gejiu), Decimal("1"))])
    assert gejiu.name in as_user("honghe_reviewer").get(f"/lots/{honghe_lot.pk}/").content.decode()


def test_a_refused_transfers_progress_shows_the_way_it_went_not_a_move(demo, honghe_so2):
    """A record ended off its way shows the steps it went through and where it ended: a refused transfer was never
    moved between the pools, so that step is not ticked (it was, and read as moved then refused)."""
    from reserve.workflows import ARRANGED_WAY, REQUESTED_WAY

    transfer = _arrange(demo, quantity="1")
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="refuse",
                   data={"opinion": "项目未落地"})
    steps = engine.progress(CityTransfer.objects.get(pk=transfer.pk))["steps"]
    assert [(s["label"], s["state"]) for s in steps] == [(ARRANGED_WAY[0].label, "done"), (steps[-1]["label"], "ended")]
    assert str(steps[-1]["label"]) == str(TransferStatus.REFUSED.label)

    asked = _request(demo, quantity="1")
    engine.perform(actor=demo["honghe_reviewer"], model=CityTransfer, pk=asked.pk, action="decline",
                   data={"opinion": "本市储备不足"})
    steps = engine.progress(CityTransfer.objects.get(pk=asked.pk))["steps"]
    assert [s["state"] for s in steps] == ["done", "ended"] and steps[0]["label"] == REQUESTED_WAY[0].label


def test_the_published_ledger_names_each_countys_city_and_each_pools(demo, client, honghe_so2):
    """The published ledger (Art 24) shows every city's counties, another city's under its name, and names the
    pools a transfer between cities moved quota from and to, never whose an enterprise's account is."""
    from django.core.cache import cache

    transfer = _arrange(demo, quantity="3")
    engine.perform(actor=demo["province_leader"], model=CityTransfer, pk=transfer.pk, action="approve")
    cache.clear()
    page = client.get("/public/").content.decode()
    assert "市储备库：红河哈尼族彝族自治州" in page and "市储备库：曲靖市" in page
    assert "个旧市<div class=\"muted\">红河哈尼族彝族自治州</div>" in page
    assert demo["ent_gejiu"].organisation.name not in page
