"""Bad input is refused with a message naming the field and the limit, changes nothing and never answers 500:
quantities, accounting figures, money, dates and free text are parsed and bounded in one place each
(accounting/quantities.py, accounting/money.py, accounting/dates.py, quota_registry/inputs.py), and every
entry point (forms, API, imports, trades, the pre-check, query filters) uses them."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting import dates, money, quantities
from accounting.quantities import QuantityError
from ledger.models import Lot
from quota_registry.api import QuantityField
from reserve.models import EntryApplication, WithdrawalApplication

ENTRIES = "/api/v1/entry-applications/"
WITHDRAWALS = "/api/v1/withdrawal-applications/"
HUGE = ["1e20", "1e30", "999999999999999999", "9999999999999999.9999", "1E+999999", "99999999999999999999.9999",
        "1000000.0001"]
NOT_NUMBERS = ["٣", "１２", "12,5", "NaN", "Infinity", "-1", "0x10", "1_000", "12.5.1", " ", "1e", "e3"]


# --- the parsers themselves ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HUGE)
def test_a_quantity_above_the_bound_is_refused_naming_the_limit(value):
    with pytest.raises(QuantityError, match="1,000,000"):
        quantities.quantity(value, field="削减量")


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_what_is_not_a_plain_number_is_refused(value):
    with pytest.raises(QuantityError):
        quantities.quantity(value)


def test_bounds_accept_every_real_figure():
    assert quantities.quantity("1000000") == Decimal("1000000.0000")
    assert quantities.quantity("0.0001") == Decimal("0.0001")
    assert quantities.flow("999999999999", field="M") == Decimal("999999999999")
    assert money.unit_price("9999999.99") == Decimal("9999999.99")
    with pytest.raises(QuantityError):
        money.unit_price("0")
    with pytest.raises(QuantityError):
        money.amount("-0.01")


def test_the_api_writes_any_sum_without_overflow():
    # sums of many quantities are formatted, not fitted into 20 digits (the public ledger once answered 500)
    assert QuantityField().to_representation(Decimal("19999999999999999.9998")) == "19999999999999999.9998"


@pytest.mark.parametrize(("value", "completed", "ok"), [
    ("0001-01-01", True, False), ("1900-01-01", True, False), ("1995-12-31", True, False), ("1996-01-01", True, True),
    ("tomorrow", True, False), ("9999-12-31", False, False), ("today+1", False, True), ("today+3650", False, True),
    ("today+3660", False, False), ("today", False, False), ("today+1", True, False),
])
def test_completion_dates_within_what_can_be_real(value, completed, ok):
    today = datetime.date(2026, 11, 29)
    if value.startswith("today"):
        value = today + datetime.timedelta(days=int(value[6:] or 0))
    elif value == "tomorrow":
        value = today + datetime.timedelta(days=1)
    if ok:
        assert dates.completion_date(value, completed=completed, today=today)
    else:
        with pytest.raises(dates.DateError):
            dates.completion_date(value, completed=completed, today=today)


# --- the API -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HUGE + ["٣"])
def test_entry_quantity_out_of_bounds_is_a_400_naming_the_field(api_as, entry_body, value):
    count = EntryApplication.objects.count()
    item = {"pollutant": "SO2", "quantity": value, "completion_date": "2026-01-05"}
    response = api_as("ent_qilin").post(ENTRIES, entry_body(items=[item]), format="json")
    assert response.status_code == 400, response.content
    assert "items[0].quantity" in response.json(), response.json()
    assert EntryApplication.objects.count() == count


@pytest.mark.parametrize(("method", "inputs", "field"), [
    ("declared", {"quantity": "1e20"}, "数量"),
    ("shutdown", {"initial_quota": "1e30"}, "初始"),
    ("shutdown", {"initial_quota": "999999999999999999"}, "初始"),
    ("self_treatment", {"eq": "999999999999999999", "max_flow": "1", "concentration": "1"}, "Eq"),
    ("self_treatment", {"eq": "1e20", "max_flow": "1", "concentration": "1"}, "Eq"),
    ("plant_upgrade", {"design_flow": "999999999999999999", "cq": "10", "ch": "1"}, "M"),
    ("plant_upgrade", {"design_flow": "1e30", "cq": "10", "ch": "1"}, "M"),
    # within each bound, but the result is no real reduction: refused with the bound
    ("plant_upgrade", {"design_flow": "999999999999", "cq": "999999", "ch": "0"}, "1,000,000"),
])
def test_accounting_figures_out_of_bounds_in_the_api(api_as, entry_body, method, inputs, field):
    item = {"pollutant": "COD", "accounting_method": method, "accounting_inputs": inputs,
            "completion_date": "2026-01-05"}
    response = api_as("ent_qilin").post(ENTRIES, entry_body(items=[item], watershed="nanpan"), format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json()["items[0].quantity"]), response.json()


@pytest.mark.parametrize("value", ["1e20", "1e30", "999999999999999999"])
def test_accounting_figures_out_of_bounds_in_the_form(as_user, value):
    count = EntryApplication.objects.count()
    response = as_user("ent_qilin").post("/entries/new/", {
        "source_kind": "reduction", "measure": "shutdown", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "13", "items-0-pollutant": "SO2",
        "items-0-accounting_method": "shutdown", "items-0-initial_quota": value, "items-0-completion_date": "2026-01-05"})
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors
    assert "1,000,000" in str(errors["initial_quota"]), errors
    assert EntryApplication.objects.count() == count


@pytest.mark.parametrize(("completion", "source_kind"), [
    ("0001-01-01", "reduction"), ("1900-01-01", "reduction"), ("9999-12-31", "planned_reduction"),
])
def test_nonsense_completion_dates_are_refused(api_as, entry_body, completion, source_kind):
    item = {"pollutant": "SO2", "quantity": "5", "completion_date": completion}
    response = api_as("ent_qilin").post(ENTRIES, entry_body(items=[item], source_kind=source_kind), format="json")
    assert response.status_code == 400 and "items[0].completion_date" in response.json(), response.json()


@pytest.mark.parametrize("value", ["1e30", "1E+999999", "99999999999999999999.9999", "٣", "-5"])
def test_the_anonymous_precheck_refuses_numbers_out_of_bounds(api, db, value):
    response = api.post("/api/v1/precheck/", {"region": "530326", "industry": "3212",
                                              "items": [{"pollutant": "PB", "new_emission": value}]}, format="json")
    assert response.status_code == 400 and "items[0].new_emission" in response.json(), response.json()


def test_the_precheck_takes_at_most_one_item_per_factor(api, db):
    items = [{"pollutant": "SO2", "new_emission": "1"}] * 5000
    response = api.post("/api/v1/precheck/", {"region": "530302", "industry": "4411", "items": items}, format="json")
    assert response.status_code == 400 and "13" in str(response.json()["items"])


def test_over_long_texts_are_refused_by_the_field_limit(api_as, make_lot, demo):
    client = api_as("ent_huize")
    make_lot("50", pollutant="PB", enterprise="ent_huize")
    for project, field in (({"name": "项" * 201, "eia_authority": "曲靖市生态环境局"}, "project.name"),
                           ({"name": "技改", "eia_authority": "局" * 121}, "project.eia_authority")):
        body = {"project": {"industry": "3212", **project}, "items": [{"pollutant": "PB", "new_emission": "1"}]}
        response = client.post(WITHDRAWALS, body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
    assert not WithdrawalApplication.objects.exists()


def test_a_ten_megabyte_opinion_is_refused(filed, api_as):
    data = filed(upto="submitted")
    response = api_as("county_qilin").post(f"{ENTRIES}{data['id']}/county-review/",
                                           {"decision": "return", "opinion": "意" * 10_000_000}, format="json")
    assert response.status_code in (400, 413)
    assert EntryApplication.objects.get(pk=data["id"]).status == "submitted"
    response = api_as("county_qilin").post(f"{ENTRIES}{data['id']}/county-review/",
                                           {"decision": "return", "opinion": "意" * 501}, format="json")
    assert response.status_code == 400 and "500" in str(response.json()["opinion"])
    ok = api_as("county_qilin").post(f"{ENTRIES}{data['id']}/county-review/",
                                     {"decision": "return", "opinion": "意" * 500}, format="json")
    assert ok.status_code == 200


def test_permit_number_of_500_characters_on_confirmation(api_as, demo):
    from trading.services import obligation_create

    org = demo["ent_qilin"].organisation
    obligation = obligation_create(enterprise=org, region=org.region, origin=None, transferred=[],
                                   destination="测试", measure_completed_on=datetime.date(2026, 9, 1),
                                   approved_on=datetime.date(2026, 9, 2), working_days=30)
    body = {"permit_number": "9" * 500, "permit_version": "v2", "recorded_measure": "x", "recorded_reduction": "x",
            "recorded_transfer": "x"}
    response = api_as("county_qilin").post(f"/api/v1/permit-changes/{obligation.pk}/confirm/", body, format="json")
    assert response.status_code == 400 and "permit_number" in response.json()
    obligation.refresh_from_db()
    assert obligation.status == "open"


@pytest.mark.parametrize("url", ["/public/lots/", "/api/v1/reference-prices/", "/api/v1/balances/", "/lots/",
                                 "/ledger/", "/trades/", "/api/v1/permit-changes/", "/api/v1/lots/",
                                 "/api/v1/entry-applications/", "/entries/", "/organisations/"])
@pytest.mark.parametrize("param", ["pollutant", "region", "kind", "status", "state", "q"])
def test_a_nul_byte_in_a_filter_is_a_400(as_user, url, param):
    client = as_user("city_reviewer")
    response = client.get(f"{url}?{param}=%00")
    assert response.status_code == 400, (url, param, response.status_code)
    assert "不允许的字符" in response.content.decode()
    assert client.get(f"{url}?{param}=" + "x" * 1001).status_code == 400


# --- trades: money and the order of payments --------------------------------------------------------------

def test_negative_fees_and_a_payout_before_the_payment_are_refused(api_as, demo, make_lot):
    from quota_registry.review import engine
    from trading.models import Deal, Trade
    from trading.trades import trade_create

    lot = make_lot("10", pollutant="SO2", enterprise="ent_qilin")
    ledger_org = demo["ent_qilin"].organisation
    from ledger import services as ledger
    from ledger.models import AccountKind

    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                             ledger.account(AccountKind.ENTERPRISE, ledger_org), 5)])
    trade = trade_create(actor=demo["ent_qilin"], pollutant=lot.pollutant, lots=[(lot, Decimal("5"))])
    Trade.objects.filter(pk=trade.pk).update(status="traded", method="negotiated",
                                             created_at=timezone.now() - datetime.timedelta(days=2))
    deal = Deal.objects.create(trade=trade, buyer=demo["ent_huize"].organisation, quantity=Decimal("5"),
                               unit_price=Decimal("1000"), amount=Decimal("5000"))
    engine.perform(actor=demo["city_admin"], model=Trade, pk=trade.pk, action="contract",
                   data={"contract_number": "HT-1"})
    city = api_as("city_admin")
    url = f"/api/v1/trades/{trade.pk}/settle/"
    now = timezone.now()
    for body, field in (({"deal": deal.pk, "buyer_fee": "-10"}, "buyer_fee"),
                        ({"deal": deal.pk, "seller_fee": "5000.01"}, "seller_fee"),
                        ({"deal": deal.pk, "buyer_fee": "1e30"}, "buyer_fee"),
                        ({"deal": deal.pk, "buyer_paid_at": "0001-01-01T00:00:00+08:00"}, "buyer_paid_at"),
                        ({"deal": deal.pk, "buyer_paid_at": (now + datetime.timedelta(days=1)).isoformat()},
                         "buyer_paid_at")):
        response = city.post(url, body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    paid = now - datetime.timedelta(minutes=5)
    ok = city.post(url, {"deal": deal.pk, "buyer_paid_at": paid.isoformat()}, format="json")
    assert ok.status_code == 200, ok.json()
    early = city.post(url, {"deal": deal.pk, "seller_paid_at": (paid - datetime.timedelta(hours=1)).isoformat()},
                      format="json")
    assert early.status_code == 400 and "seller_paid_at" in early.json(), early.json()
    deal.refresh_from_db()
    assert deal.seller_paid_at is None and deal.buyer_fee == 0


def test_lot_records_stay_untouched_by_refused_input(api_as, entry_body):
    count = Lot.objects.count()
    for value in HUGE:
        api_as("ent_qilin").post(ENTRIES, entry_body(items=[{"pollutant": "SO2", "quantity": value,
                                                             "completion_date": "2026-01-05"}]), format="json")
    assert Lot.objects.count() == count


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/trades/", {"lots": [], "pollutant": "\x00"}),
    ("/api/v1/withdrawal-applications/", {"project": {"name": "x", "industry": "\x00", "eia_authority": "y"},
                                          "items": [{"pollutant": "PB", "new_emission": "1"}]}),
    ("/api/v1/precheck/", {"region": "530302\x00", "industry": "4411", "items": []}),
    ("/api/v1/entry-applications/", {"source_kind": "reduction", "measure": "treatment", "items": [
        {"pollutant": "SO2", "quantity": "1", "completion_date": "2026-01-05", "accounting_basis": "a\x00b"}]}),
])
def test_a_nul_byte_in_a_json_body_is_a_400_naming_the_field(api_as, url, body):
    response = api_as("ent_qilin").post(url, body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "无法保存的字符" in response.json()["detail"]


def test_a_nul_byte_in_a_form_field_is_a_400(as_user, client):
    response = client.post("/precheck/", {"region": "530302", "industry": "4411", "items-TOTAL_FORMS": "1",
                                          "items-INITIAL_FORMS": "0", "items-0-pollutant": "\x00",
                                          "items-0-new_emission": "1"})
    assert response.status_code == 400 and "无法保存的字符" in response.content.decode()


def test_a_deeply_nested_body_is_a_400(api_as):
    body = "[" * 100000 + "]" * 100000
    response = api_as("ent_qilin").generic("POST", "/api/v1/precheck/", body, content_type="application/json")
    assert response.status_code == 400
