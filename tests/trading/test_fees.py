"""Paid-use fees: seed 001 Art 21 (a seller transfers quota only once its paid-use fees are paid in full) and seed 003
Art 18 (an unbuilt project's quota may be traded when it was obtained for a fee, never when obtained free)."""
import datetime as dt
from decimal import Decimal

import pytest

from ledger import services as ledger
from ledger.models import AccountKind
from ledger.verification import verify
from trading.models import FeeStatus, PaidUseFee, Trade

FEES, TRADES = "/api/v1/paid-use-fees/", "/api/v1/trades/"


def record_fee(api_as, demo, *, enterprise="ent_qilin", pollutant="NOX", amount="1500", origin=""):
    response = api_as("city_reviewer").post(FEES, {
        "enterprise": demo[enterprise].organisation.pk, "pollutant": pollutant, "quantity": "6",
        "amount_due": amount, "due_date": "2026-12-18", "basis": "曲环有偿〔2026〕7号", "origin_label": origin},
        format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def holding(make_lot, demo, quantity, *, pollutant="NOX", reference="", label=""):
    """`quantity` of a new lot of ent_huize's reduction, held by ent_qilin (in a project's account if `reference`)."""
    lot = make_lot("20", pollutant=pollutant, enterprise="ent_huize")
    account = ledger.account(AccountKind.ENTERPRISE, demo["ent_qilin"].organisation, reference=reference, label=label)
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), account,
                                                             Decimal(quantity))])
    return lot, account


def offer(api_as, lot, quantity, account=None):
    row = {"lot": lot.pk, "quantity": quantity, **({"account": account.pk} if account else {})}
    return api_as("ent_qilin").post(TRADES, {"pollutant": lot.pollutant.code, "lots": [row]}, format="json")


def pay(api_as, fee, amount, receipt, paid_on="2026-11-20"):
    return api_as("city_reviewer").post(f"{FEES}{fee['id']}/pay/", {"amount": amount, "paid_on": paid_on,
                                                                    "receipt": receipt}, format="json")


def test_a_seller_transfers_only_once_its_fees_are_paid_in_full(make_lot, api_as, demo, client):
    """Seed 001 Art 21: 1,500.00 元 due on NOx; 600 paid leaves 900.00 due and the offer is refused naming the fee and
    the amount; an overpayment is refused; 900 more pays it in full and the offer goes through. A fee of another
    factor does not stop it; a fee recorded after the offer stops the announcement and the confirmation."""
    lot, _account = holding(make_lot, demo, "6")
    fee = record_fee(api_as, demo)
    record_fee(api_as, demo, pollutant="SO2", amount="80")  # another factor's fee: not this trade's
    refused = offer(api_as, lot, "4")
    assert refused.status_code == 400
    assert fee["number"] in str(refused.json()) and "1,500.00 元" in str(refused.json()) and "第二十一条" in str(
        refused.json())

    assert pay(api_as, fee, "600", "FS-0001").status_code == 200
    assert PaidUseFee.objects.get(pk=fee["id"]).status == FeeStatus.DUE
    assert "900.00 元" in str(offer(api_as, lot, "4").json())
    over = pay(api_as, fee, "900.01", "FS-0002")
    assert over.status_code == 400 and "900.00 元" in str(over.json()["amount"])
    assert api_as("ent_qilin").post(f"{FEES}{fee['id']}/pay/", {"amount": "900", "paid_on": "2026-11-21",
                                                                "receipt": "x"}, format="json").status_code == 403
    assert pay(api_as, fee, "900", "FS-0002", paid_on="2026-11-21").status_code == 200
    paid = PaidUseFee.objects.get(pk=fee["id"])
    assert (paid.status, paid.amount_paid, paid.receipts, paid.last_paid_on) == (
        FeeStatus.PAID, Decimal("1500.00"), "FS-0001、FS-0002", dt.date(2026, 11, 21))

    created = offer(api_as, lot, "4")
    assert created.status_code == 201, created.json()
    trade = Trade.objects.get(pk=created.json()["id"])
    later = record_fee(api_as, demo, amount="240.50")  # e.g. a fee for a further part of the quota
    api_as("county_qilin").post(f"{TRADES}{trade.pk}/qualify/", {"party": trade.parties.get().pk, "qualified": True},
                                format="json")
    announce = api_as("city_reviewer").post(f"{TRADES}{trade.pk}/announce/", {}, format="json")
    assert announce.status_code == 400 and later["number"] in str(announce.json())
    assert Trade.objects.get(pk=trade.pk).status == "applied"  # nothing changed, nothing held
    assert ledger.balance(ledger.account(AccountKind.ESCROW), lot) == 0

    client.force_login(demo["ent_qilin"])
    page = client.get(f"/trades/{trade.pk}/").content.decode()
    assert "240.50 元" in page and "第二十一条" in page

    waived = api_as("city_approver").post(f"{FEES}{later['id']}/waive/", {"opinion": "市政府重点项目减免（曲政复〔2026〕3号）"},
                                          format="json")
    assert waived.status_code == 200, waived.json()
    assert api_as("city_reviewer").post(f"{TRADES}{trade.pk}/announce/", {}, format="json").status_code == 200
    assert verify().ok


def test_a_fee_is_recorded_by_the_city_with_its_fields_checked(api_as, demo):
    """Only the city records a fee; each bad value is named."""
    body = {"enterprise": demo["ent_qilin"].organisation.pk, "pollutant": "NOX", "quantity": "1.23456",
            "amount_due": "12.345", "due_date": "2026-12-18", "basis": ""}
    bad = api_as("city_reviewer").post(FEES, body, format="json")
    assert bad.status_code == 400 and {"quantity", "amount_due", "basis"} <= set(bad.json())
    zero = api_as("city_reviewer").post(FEES, {**body, "quantity": "0", "amount_due": "0", "basis": "x"}, format="json")
    assert zero.status_code == 400 and {"quantity", "amount_due"} <= set(zero.json())
    assert "大于零" in zero.json()["quantity"][0]
    assert api_as("ent_qilin").post(FEES, {**body, "quantity": "1", "amount_due": "10", "basis": "x"},
                                    format="json").status_code == 403
    city_bureau = demo["city_reviewer"].organisation.pk
    wrong = api_as("city_reviewer").post(FEES, {**body, "enterprise": city_bureau, "quantity": "1", "amount_due": "10",
                                                "basis": "x"}, format="json")
    assert wrong.status_code == 400 and "enterprise" in wrong.json()
    assert not PaidUseFee.objects.exists()


@pytest.mark.parametrize("rules", ["qujing", "shanxi"])
def test_an_unbuilt_projects_quota_is_sold_only_when_obtained_for_a_fee(rules, make_lot, api_as, demo, settings):
    """Seed 003 Art 18 (Shanxi): the quota in a project's account may be traded when it was obtained for a fee (its
    fee paid in full), not when it was obtained free. Qujing's measures send it back to the pool instead (Art 9)."""
    settings.PORTAL_RULE_SET = rules
    lot, project = holding(make_lot, demo, "3.75", reference="CK2026000042", label="曲靖新建焦化项目")
    free = offer(api_as, lot, "3.75", project)
    assert free.status_code == 400
    other = record_fee(api_as, demo, pollutant="SO2", amount="50", origin="CK2026000042")  # another factor's fee
    assert pay(api_as, other, "50", "FS-0099").status_code == 200
    assert offer(api_as, lot, "3.75", project).status_code == 400  # paid for SO2 says nothing of this NOx
    assert ("第十八条" if rules == "shanxi" else "第九条") in str(free.json())
    fee = record_fee(api_as, demo, amount="3000", origin="CK2026000042")
    assert PaidUseFee.objects.get(pk=fee["id"]).account == project  # the withdrawal's number names its account
    assert pay(api_as, fee, "3000", "FS-0100").status_code == 200
    paid = offer(api_as, lot, "3.75", project)
    if rules == "qujing":
        assert paid.status_code == 400 and "第九条" in str(paid.json())
        return
    assert paid.status_code == 201, paid.json()
    trade = Trade.objects.get(pk=paid.json()["id"])
    assert trade.lots.get().account == project
    api_as("county_qilin").post(f"{TRADES}{trade.pk}/qualify/", {"party": trade.parties.get().pk, "qualified": True},
                                format="json")
    assert api_as("city_reviewer").post(f"{TRADES}{trade.pk}/announce/", {}, format="json").status_code == 200
    assert ledger.balance(project, lot) == 0 and ledger.balance(ledger.account(AccountKind.ESCROW), lot) == Decimal(
        "3.75")
    api_as("city_reviewer").post(f"{TRADES}{trade.pk}/cancel/", {"reason": "卖方撤回"}, format="json")
    assert ledger.balance(project, lot) == Decimal("3.75")  # back where it came from
    assert verify().ok


def test_the_fee_page_records_a_fee_and_names_a_bad_field(client, demo):
    from quota_registry.orgs.twofactor import mark_session_verified
    from quota_registry.reference.models import Pollutant

    client.force_login(demo["city_reviewer"])
    mark_session_verified(client.session, demo["city_reviewer"])
    body = {"enterprise": demo["ent_qilin"].organisation.pk, "pollutant": Pollutant.objects.get(code="COD").pk,
            "quantity": "2.5", "amount_due": "1200.005", "due_date": "2026-12-31", "basis": "曲环有偿〔2026〕11号"}
    bad = client.post("/fees/new/", body)
    assert bad.status_code == 200 and "应缴金额" in bad.content.decode() and not PaidUseFee.objects.exists()
    made = client.post("/fees/new/", {**body, "amount_due": "1200.50", "origin_label": "CK2026000001"})
    assert made.status_code == 302
    fee = PaidUseFee.objects.get()
    assert (fee.amount_due, fee.quantity, fee.account) == (Decimal("1200.50"), Decimal("2.5"), None)
    client.force_login(demo["ent_qilin"])
    page = client.get(made.url).content.decode()
    assert "1,200.50 元" in page and "陕西办法第二十一条" in page
