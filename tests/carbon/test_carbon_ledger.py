"""Issue 20: the carbon side's allowances and surrenders in the one ledger, kept apart from the pollutant pool by the
database (ledger/migrations/0015), on PostgreSQL."""
import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from carbon import services
from carbon.models import EmissionReport
from ledger import log, verification
from ledger import services as ledger
from ledger.models import AccountKind, Holding, LedgerTransaction, Lot, SourceKind, TransactionKind
from ledger.selectors import balances, lots
from quota_registry.reference.models import Pollutant
from quota_registry.review import engine
from reserve.expiry import expire_lots

YEAR = datetime.date.today().year - 1


@pytest.fixture
def unit(demo):
    unit = services.unit_list(actor=demo["city_reviewer"], enterprise=demo["ent_huize"].organisation, year=YEAR - 2,
                              emissions="52000", reason="核查报告")
    report = services.report_create(actor=demo["ent_huize"], unit=unit, year=YEAR, reported_emissions="50000",
                                    energy_tce="18000", sources="燃煤锅炉 50000", basis="发电行业核算指南")
    engine.perform(actor=demo["ent_huize"], model=EmissionReport, pk=report.pk, action="submit")
    engine.perform(actor=demo["city_reviewer"], model=EmissionReport, pk=report.pk, action="assign",
                   data={"verifier": demo["verifier"].organisation_id})
    engine.perform(actor=demo["verifier"], model=EmissionReport, pk=report.pk, action="verify",
                   data={"verified_emissions": "50000", "findings": "无"})
    engine.perform(actor=demo["city_approver"], model=EmissionReport, pk=report.pk, action="accept")
    return unit


def _carbon(unit, kind):
    return Holding.objects.filter(account__kind=kind, lot__enterprise=unit.enterprise).values_list(
        "lot__number", "lot__source_kind", "quantity").order_by("lot__number")


def test_allocations_and_a_surrender_move_through_the_ledger_oldest_first(demo, unit):
    older = services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR - 1, quantity="3000.5",
                                      source="云环发〔2024〕1号")
    services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR, quantity="45000",
                              source="云环发〔2025〕1号")
    assert services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR + 1, quantity="0",
                                     source="零配额").lot is None  # nothing to post
    assert (older.lot.source_kind, older.lot.quantity, older.lot.pollutant.unit) == ("allocation", Decimal("3000.5"),
                                                                                     "t CO2e")
    assert LedgerTransaction.objects.get(subject_id=older.pk, kind=TransactionKind.ALLOCATE).movements.get(
        ).to_account == services.carbon_account(unit)
    assert services.held(unit) == Decimal("48000.5")

    # 49,000 of allowances: the 3,000.5 of the older year first, then 45,000, then 999.5 acquired in the national
    # market beyond what the unit held; and 1,000 of CCER (within 5 % of 50,000)
    surrender = services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="49000",
                                          ccer="1000", registry_reference="CEA-2026-0001")
    txn = surrender.transaction
    assert txn.kind == TransactionKind.SURRENDER and txn.subject_id == surrender.pk
    assert "CEA-2026-0001" in txn.memo
    into_sink = {(m.lot.source_kind, m.quantity) for m in txn.movements.select_related("lot", "to_account")
                 if m.to_account.kind == AccountKind.SURRENDERED}
    assert into_sink == {("allocation", Decimal("3000.5")), ("allocation", Decimal("45000")),
                         ("acquired", Decimal("999.5")), ("ccer", Decimal("1000"))}
    assert sum(q for *_, q in _carbon(unit, AccountKind.SURRENDERED)) == Decimal("50000")
    assert services.held(unit) == 0 and services.position(unit, YEAR)["compliance"].compliant
    assert verification.verify().ok  # the holdings equal their movements, every lot issued in full

    # the year is covered: its compliance confirmation is printed by the document task, with the ledger's record
    import subprocess

    from quota_registry.documents.models import Document, DocumentKind
    from quota_registry.documents.services import document_render

    report = EmissionReport.objects.get(unit=unit, year=YEAR)
    document = Document.objects.get(kind=DocumentKind.CARBON_COMPLIANCE, subject_id=report.pk)
    assert document_render(document.pk) == "ready"
    document.refresh_from_db()
    text = "".join(subprocess.run(["pdftotext", document.file.path, "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for expected in ("碳排放配额清缴确认书", unit.enterprise.name, "50,000.0000", "49,000.0000", "1,000.0000",
                     "CEA-2026-0001", f"#{txn.sequence}", "曲靖市生态环境局"):
        assert expected in text, expected
    assert document.organisation_id == unit.enterprise_id  # the unit reads its own


def test_a_partial_surrender_leaves_the_rest_held(demo, unit):
    services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR, quantity="45000", source="云环发")
    services.surrender_record(actor=demo["ent_huize"], unit=unit, year=YEAR, allowances="20000.0001", ccer="0",
                              registry_reference="CEA-1")
    assert services.held(unit) == Decimal("24999.9999")
    assert not Lot.objects.filter(source_kind=SourceKind.ACQUIRED).exists()


def test_the_database_keeps_carbon_apart_from_the_pollutant_pool(demo, unit):
    allowance = services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR, quantity="100",
                                          source="云环发")
    pool = ledger.pool("530300")
    with pytest.raises(IntegrityError, match="carbon lot"), transaction.atomic():
        ledger.post(actor=None, kind=TransactionKind.TRANSFER, legs=[
            ledger.Leg(allowance.lot, services.carbon_account(unit), pool, Decimal("1"))])
    org = demo["ent_qilin"].organisation
    quota = Lot(number="ZB-CARBON-T1", pollutant=Pollutant.objects.get(code="SO2"), quantity=Decimal("10"), enterprise=org,
                region=org.region, industry=org.industry, source_kind=SourceKind.REDUCTION, status="active",
                verified_on=datetime.date(2026, 1, 5), valid_until=datetime.date(2030, 1, 5))
    ledger.issue(actor=None, lots=[quota], subject=None)
    with pytest.raises(IntegrityError, match="pollutant lot"), transaction.atomic():
        ledger.post(actor=None, kind=TransactionKind.TRANSFER, legs=[
            ledger.Leg(quota, pool, services.carbon_account(unit), Decimal("1"))])
    with pytest.raises(IntegrityError, match="wrong unit"), transaction.atomic():
        Lot.objects.filter(pk=quota.pk).update(source_kind=SourceKind.CCER)
    assert services.held(unit) == Decimal("100")


def test_the_pollutant_side_never_shows_carbon(demo, unit):
    allowance = services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR, quantity="100",
                                          source="云环发")
    assert Pollutant.objects.count() == 13 and not Pollutant.objects.filter(code=Pollutant.CARBON).exists()
    assert Pollutant.all_objects.filter(code=Pollutant.CARBON).exists()
    assert not lots(demo["city_reviewer"]).filter(pk=allowance.lot_id).exists()
    # nor the pool's overview and balances (they answered 500 once a unit held allowances: no such factor there)
    from reserve.selectors import pool_overview

    for user in ("city_reviewer", "county_huize", "ent_huize", "province"):
        assert all(row["pollutant"].code != Pollutant.CARBON for row in balances(demo[user]))
    assert len(pool_overview(demo["city_reviewer"])["table"]) == 13
    # the carbon lot's date passes: the pollutant quota's expiry leaves it alone
    expire_lots(today=allowance.lot.valid_until + datetime.timedelta(days=400))
    allowance.lot.refresh_from_db()
    assert allowance.lot.status == "active" and services.held(unit) == Decimal("100")


def test_the_public_log_takes_carbon_transactions_without_naming_the_unit(demo, unit):
    services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR, quantity="100", source="云环发")
    log.integrate()
    txn = LedgerTransaction.objects.filter(kind=TransactionKind.ALLOCATE).get()
    leaf = txn.log_leaf
    body = log.leaf_bytes(txn, list(txn.movements.select_related("from_account__organisation", "to_account__organisation")),
                          leaf.salts).decode()
    assert unit.enterprise.credit_code not in body and unit.enterprise.name not in body
    assert any(k.endswith("to_holder") for k in leaf.salts)


def test_the_provinces_lot_list_counts_the_quotas_lots_from_the_tallies(demo, unit, as_user, make_lot, is_postgres):
    """The province's lot list counts its lots from the tallies of all lots less the carbon side's (a partial index):
    the same count as the rows, whatever the status asked and with a unit's allowances in the ledger."""
    from ledger.selectors import lot_count

    services.allowance_record(actor=demo["city_reviewer"], unit=unit, year=YEAR, quantity="100", source="云环发")
    make_lot("3", "SO2", "ent_gejiu")
    make_lot("2", "NOX", status="planned")
    for status in ("", "active", "planned", "expired"):
        page = as_user("province").get("/lots/" + (f"?status={status}" if status else "")).context["page"]
        rows = lots(demo["province"]).filter(**({"status": status} if status else {})).count()
        assert page.paginator.count == rows, status
        assert lot_count(demo["province"], status=status) == (rows if is_postgres else None), status
    assert lot_count(demo["city_reviewer"]) is None  # a city's list counts its rows (it has received lots besides)
    if is_postgres:  # the page does not count the rows of the lots
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            as_user("province").get("/lots/")
        counts = [q["sql"] for q in queries if 'COUNT(*)' in q["sql"] and '"reserve_lot"' in q["sql"]]
        # only the carbon side's lots are counted (the quota's are NOT those sources)
        assert counts and all('NOT ("reserve_lot"."source_kind" IN' not in sql for sql in counts), counts
