"""Pledges (排污权抵押, seed 001 Arts 6, 12(7); issue 18): the enterprise applies with the contract, the city registers
it (the quantity is encumbered in the ledger), the bank sees only its pledges and checks the holding against the
public log, records the repayment (released) or declares the default (the quota is offered for sale)."""
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ledger import log
from ledger import services as ledger
from ledger.models import AccountKind
from ledger.verification import verify
from quota_registry.review import engine
from tests.reserve.conftest import pdf
from trading import pledges, trades
from trading.models import Pledge, PledgeStatus

D = dt.date(2026, 12, 1)


@pytest.fixture
def held(make_lot, demo):
    lot = make_lot("30", pollutant="SO2", enterprise="ent_xuanwei")
    general = ledger.account(AccountKind.ENTERPRISE, demo["ent_qilin"].organisation)
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), general,
                                                             Decimal("10"))])
    return lot, general


def apply(demo, lot, quantity="6", **overrides):
    values = {"bank": demo["bank"].organisation, "lot": lot, "quantity": quantity, "contract_number": "QJYH-DY-2026-07",
              "secured_amount": "1500000", "starts_on": D, "ends_on": dt.date(2027, 11, 30),
              "files": [pdf("抵押合同.pdf")], **overrides}
    return pledges.pledge_create(actor=demo["ent_qilin"], **values)


def act(demo, user, pledge, action, **data):
    return engine.perform(actor=demo[user], model=Pledge, pk=pledge.pk, action=action, data=data)


def test_an_application_names_what_is_wrong(held, demo):
    lot, _general = held
    with pytest.raises(ValidationError) as refused:
        apply(demo, lot, quantity="10.0001", bank=demo["ent_huize"].organisation, files=[],
              ends_on=dt.date(2026, 11, 30), secured_amount="0")
    assert {"quantity", "bank", "files", "ends_on", "secured_amount"} <= set(refused.value.message_dict)
    with pytest.raises(PermissionDenied):
        pledges.pledge_create(actor=demo["city_reviewer"], bank=demo["bank"].organisation, lot=lot, quantity="1",
                              contract_number="x", secured_amount="1", starts_on=D, ends_on=D, files=[pdf()])
    assert not Pledge.objects.exists()


def test_registered_pledge_is_encumbered_released_on_repayment(held, demo, client):
    lot, general = held
    pledge = apply(demo, lot)
    assert ledger.balance(general, lot) == Decimal("10")  # nothing moves before the city registers it
    act(demo, "city_reviewer", pledge, "register")
    pledge.refresh_from_db()
    pledged = ledger.account(AccountKind.PLEDGED)
    assert (pledge.status, ledger.balance(general, lot), ledger.balance(pledged, lot)) == (
        PledgeStatus.REGISTERED, Decimal("4"), Decimal("6"))
    # encumbered: not sold, not pledged again
    with pytest.raises(ValidationError, match="4"):
        trades.trade_create(actor=demo["ent_qilin"], pollutant=lot.pollutant, lots=[(lot, Decimal("5"))])
    with pytest.raises(ValidationError) as again:
        apply(demo, lot, quantity="5")
    assert "quantity" in again.value.message_dict

    # the bank sees its pledge, checks the holding in the public log, and nothing of anyone else's
    client.force_login(demo["bank"])
    from quota_registry.files.services import attachments_of

    contract = attachments_of(pledge).get()
    assert client.get(f"/files/{contract.pk}/").status_code == 200  # the bank reads the pledge contract
    page = client.get(f"/pledges/{pledge.pk}/").content.decode()
    assert pledge.contract_number in page and 'data-testid="pledge-log"' in page
    leaf_index, openings = log.openings_for(demo["ent_qilin"], pledge.encumbrance.sequence)
    shown = pledges.position(pledge)
    assert shown["leaf"].index == leaf_index.index and shown["openings"] == openings and openings
    data = json.loads(log.leaves(leaf_index.index, leaf_index.index + 1)[0][1])
    for key, opening in openings.items():
        field = data["movements"][int(key.split(".")[1])][key.split(".")[2]]
        assert hashlib.sha256(bytes.fromhex(opening["salt"]) + opening["value"].encode()).hexdigest() == field
        assert opening["value"].startswith(demo["ent_qilin"].organisation.credit_code)
    entries = client.get("/entries/")
    assert entries.status_code == 200 and not re.search(r"RK\d{10}", entries.content.decode())  # no application
    client.force_login(demo["ent_huize"])
    assert client.get(f"/pledges/{pledge.pk}/").status_code == 404

    with pytest.raises(PermissionDenied):
        act(demo, "ent_qilin", pledge, "release")  # the enterprise does not release its own pledge
    act(demo, "bank", pledge, "release")
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.RELEASED and ledger.balance(general, lot) == Decimal("10")
    assert ledger.balance(pledged, lot) == 0 and verify().ok


def test_on_default_the_pledged_quota_is_offered_for_sale(held, demo):
    lot, general = held
    pledge = apply(demo, lot, quantity="3.5")
    act(demo, "city_reviewer", pledge, "register")
    with pytest.raises(ValidationError):
        act(demo, "bank", pledge, "default")  # the proof and the reason are required
    act(demo, "bank", pledge, "default", opinion="借款人逾期未还，已于2027年1月5日书面催告无果")
    pledge.refresh_from_db()
    trade = pledge.trade
    assert pledge.status == PledgeStatus.DEFAULTED and trade.seller == demo["ent_qilin"].organisation
    assert (trade.quantity, trade.lots.get().account.kind) == (Decimal("3.5"), AccountKind.PLEDGED)
    engine.perform(actor=demo["county_qilin"], model=trade.parties.model, pk=trade.parties.get().pk, action="qualify")
    engine.perform(actor=demo["city_reviewer"], model=type(trade), pk=trade.pk, action="announce")
    assert ledger.balance(ledger.account(AccountKind.PLEDGED), lot) == 0
    assert ledger.balance(ledger.account(AccountKind.ESCROW), lot) == Decimal("3.5")
    assert ledger.balance(general, lot) == Decimal("6.5") and verify().ok
    with pytest.raises(ValidationError):
        act(demo, "bank", pledge, "release")  # not while the sale is under way
    engine.perform(actor=demo["city_reviewer"], model=type(trade), pk=trade.pk, action="cancel",
                   data={"reason": "借款人已清偿，撤回处置"})
    assert ledger.balance(ledger.account(AccountKind.PLEDGED), lot) == Decimal("3.5")  # back under the pledge
    act(demo, "bank", pledge, "release")
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.RELEASED and ledger.balance(general, lot) == Decimal("10") and verify().ok


def test_pledged_quota_is_not_returned(held, demo, api_as, entry_body):
    """Art 9's return of unused quota reads the enterprise's own accounts: what is pledged is not there."""
    lot, general = held
    act(demo, "city_reviewer", apply(demo, lot, quantity="10"), "register")
    item = {"pollutant": "SO2", "quantity": "1", "completion_date": "2026-01-01", "returned_lot": lot.pk}
    refused = api_as("ent_qilin").post("/api/v1/entry-applications/",
                                       entry_body(source_kind="returned_purchase", items=[item]), format="json")
    assert refused.status_code == 400 and "items[0].returned_lot" in refused.json()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_pledge_and_sale_never_cross_the_holding():
    """The registration of a pledge and the announcement of a sale of the same 10 held, each of 7, at the same
    moment: the posting service's locks let one through, the other is refused, and the holding never goes below
    zero."""
    import threading

    from django.db import connection

    from quota_registry.orgs.models import User
    from tests.conftest import _ensure_demo
    from trading.models import Trade, TradeParty

    _ensure_demo()
    users = {u.username: u for u in User.objects.filter(username__in=["ent_qilin", "county_qilin", "city_reviewer",
                                                                      "city_approver", "bank"])}
    demo = users
    from django.utils import timezone

    from ledger.models import Lot
    from quota_registry.reference.models import Pollutant

    org = users["ent_qilin"].organisation
    lot = Lot(number="CONC-P", pollutant=Pollutant.objects.get(code="NOX"), quantity=Decimal("10"), enterprise=org,
              region=org.region, industry=org.industry, source_kind="reduction", status="active",
              verified_on=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=60))
    ledger.issue(actor=None, lots=[lot], subject=None)
    general = ledger.account(AccountKind.ENTERPRISE, org)
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), general,
                                                             Decimal("10"))])
    pledge = apply(demo, lot, quantity="7")
    trade = trades.trade_create(actor=users["ent_qilin"], pollutant=lot.pollutant, lots=[(lot, Decimal("7"))])
    engine.perform(actor=users["county_qilin"], model=TradeParty, pk=trade.parties.get().pk, action="qualify")
    results, barrier = [], threading.Barrier(2)

    def run(model, pk, action, actor):
        barrier.wait()
        try:
            engine.perform(actor=actor, model=model, pk=pk, action=action)
            results.append(action)
        except (ledger.InsufficientQuantity, ValidationError):
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(Pledge, pledge.pk, "register", users["city_reviewer"])),
               threading.Thread(target=run, args=(Trade, trade.pk, "announce", users["city_approver"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in (["announce", "refused"], ["refused", "register"])
    assert ledger.balance(general, lot) == Decimal("3") and verify().ok


def test_a_standing_pledge_is_the_banks_to_do_not_the_citys(held, demo):
    """Applied, a pledge waits for the city to register it; registered, it waits for the bank to record the repayment
    (the city may record it too, but a standing loan is not the city's to-do)."""
    lot, _general = held
    pledge = apply(demo, lot)

    def waiting(user):
        return dict((kind.name, n) for kind, n in engine.waiting_for(demo[user])).get("pledge", 0)

    assert (waiting("city_reviewer"), waiting("bank")) == (1, 0)
    act(demo, "city_reviewer", pledge, "register")
    assert (waiting("city_reviewer"), waiting("bank")) == (0, 1)
    assert "release" in engine.allowed_actions(demo["city_reviewer"], Pledge.objects.get(pk=pledge.pk))
