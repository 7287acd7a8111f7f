"""The workflow engine walked through every kind's table (quota_registry/review/engine.py, reserve/workflows.py,
trading/workflows.py). A script per kind takes a fresh record along its steps through the engine itself; in every
state it reaches, every action of the kind is tried:

- an action the state does not allow is 409 (TransitionNotAllowed), whoever asks;
- the action the script takes next is 404 for a user outside the record's scope and 403 for one inside it whose role
  or jurisdiction the step does not admit, and changes nothing;
- taken by the script's user it leads to the step's target and leaves one decision record (who, role, stage,
  decision) and one audit entry.

At the end every step of every kind has been taken at least once, and every state has been reached."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from ledger.models import Lot
from quota_registry.audit.models import AuditEntry
from quota_registry.review import engine
from quota_registry.review.models import Review
from reserve import entries, withdrawals
from trading import trades
from trading.models import PermitChangeObligation, Trade, TradeParty
from trading.services import obligation_create
from trading.workflows import _county_or_city

from ..reserve.conftest import pdf

PEOPLE = ["ent_qilin", "ent_huize", "county_qilin", "county_huize", "city_reviewer", "city_approver", "city_admin",
          "tech_reviewer", "bank", "honghe_reviewer", "county_gejiu", "ent_gejiu", "province", "province_leader",
          "verifier"]
NOW = timezone.now


def _entry(demo, make_lot):
    return entries.entry_create(actor=demo["ent_qilin"], files=[pdf()], data={
        "source_kind": "reduction", "measure": "treatment", "measure_description": "脱硫设施提标改造"},
        items=[{"pollutant": "SO2", "quantity": "12.5", "accounting_method": "declared",
                "completion_date": (timezone.localdate() - datetime.timedelta(days=20)).isoformat(),
                "accounting_basis": "验收监测报告"}])


def _withdrawal(demo, make_lot):
    make_lot("30", pollutant="PB", enterprise="ent_huize")  # the pool has eligible quota for the hold
    return withdrawals.withdrawal_create(actor=demo["ent_qilin"], data={
        "project_name": "引擎测试项目", "industry": demo["ent_qilin"].organisation.industry,
        "eia_authority": "曲靖市生态环境局"}, items=[{"pollutant": "PB", "new_emission": "1.5"}])


def _planned_lot(demo, make_lot):
    return make_lot("9", pollutant="NOX", status="planned")


def _active_lot(demo, make_lot):
    lot = make_lot("9", pollutant="NOX")
    Lot.objects.filter(pk=lot.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    return Lot.objects.get(pk=lot.pk)


def _trade(demo, make_lot):
    lot = make_lot("10", pollutant="SO2")
    return trades.trade_create(actor=demo["city_reviewer"], pollutant=lot.pollutant, lots=[(lot, Decimal("10"))])


def _enterprise_offer(demo, make_lot):
    """ent_qilin offers 5 of NOx it holds; its seller's qualification approved."""
    from ledger import services as ledger
    from ledger.models import AccountKind

    lot = make_lot("10", pollutant="NOX", enterprise="ent_xuanwei")
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), ledger.account(
        AccountKind.ENTERPRISE, demo["ent_qilin"].organisation), Decimal("5"))])
    trade = trades.trade_create(actor=demo["ent_qilin"], pollutant=lot.pollutant, lots=[(lot, Decimal("5"))])
    engine.perform(actor=demo["county_qilin"], model=TradeParty, pk=trade.parties.get().pk, action="qualify")
    return trade


def _party(demo, make_lot):
    trade = _trade(demo, make_lot)
    engine.perform(actor=demo["city_reviewer"], model=Trade, pk=trade.pk, action="announce")
    engine.perform(actor=demo["ent_huize"], model=Trade, pk=trade.pk, action="interest", data={"wanted_quantity": "4"})
    return trade.parties.get()


def _obligation(demo, make_lot):
    org = demo["ent_qilin"].organisation
    return obligation_create(enterprise=org, region=org.region, origin=None, destination="会泽铅锌冶炼技改项目",
                             transferred=[{"pollutant": "SO2", "unit": "t/a", "lot": "ZB1", "quantity": "2.0000"}],
                             measure_completed_on=datetime.date(2026, 9, 1), approved_on=datetime.date(2026, 9, 3),
                             working_days=30)


def _fee(demo, make_lot):
    from trading.fees import fee_create

    org = demo["ent_qilin"].organisation
    return fee_create(actor=demo["city_reviewer"], enterprise=org, pollutant=make_lot("1").pollutant,
                      quantity=Decimal("2"), amount_due=Decimal("1000"), due_date=datetime.date(2026, 12, 31),
                      basis="曲环有偿〔2026〕9号")


def _restriction(demo, make_lot):
    from quota_registry.orgs.services import restriction_create

    return restriction_create(actor=demo["city_reviewer"], kind="credit_black",
                              organisation=demo["ent_qilin"].organisation, reason="环境信用黑牌",
                              source="曲环信用〔2026〕3号", valid_from=datetime.date(2026, 1, 5))


def _pledge(demo, make_lot):
    from ledger import services as ledger
    from ledger.models import AccountKind
    from trading.pledges import pledge_create

    lot = make_lot("10", pollutant="COD", enterprise="ent_xuanwei")
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), ledger.account(
        AccountKind.ENTERPRISE, demo["ent_qilin"].organisation), Decimal("4"))])
    return pledge_create(actor=demo["ent_qilin"], bank=demo["bank"].organisation, lot=lot, quantity="4",
                         contract_number="QJYH-DY-1", secured_amount="800000", starts_on=datetime.date(2026, 12, 1),
                         ends_on=datetime.date(2099, 12, 1), files=[pdf()])


def _deposit(demo, make_lot):
    """A bidding of the reserve's SO2 with a 5,000 yuan deposit: ent_huize's."""
    from trading.models import Deposit

    trade = _trade(demo, make_lot)
    engine.perform(actor=demo["city_reviewer"], model=Trade, pk=trade.pk, action="announce")
    _buyer_qualified(demo, trade)
    engine.perform(actor=demo["city_reviewer"], model=Trade, pk=trade.pk, action="method", data={
        "starting_price": "1000", "increment": "50", "deposit_amount": "5000",
        "bidding_opens": (NOW() - datetime.timedelta(hours=1)).isoformat(),
        "bidding_closes": (NOW() + datetime.timedelta(hours=1)).isoformat()})
    return Deposit.objects.get(trade=trade)


def _buyer_qualified(demo, trade):
    """What `method` needs besides the trade's state: a qualified buyer (another kind's steps)."""
    engine.perform(actor=demo["ent_huize"], model=Trade, pk=trade.pk, action="interest", data={"wanted_quantity": "4"})
    party = trade.parties.get(organisation=demo["ent_huize"].organisation)
    engine.perform(actor=demo["county_huize"], model=TradeParty, pk=party.pk, action="qualify")


def _window_closed(demo, trade):
    Trade.objects.filter(pk=trade.pk).update(bidding_closes=NOW() - datetime.timedelta(seconds=1))


def _settled_long_ago(demo, trade):
    Trade.objects.filter(pk=trade.pk).update(created_at=NOW() - datetime.timedelta(days=3))


OPINION = {"opinion": "意见：材料已核"}
APPLICATION_MAIN = [("submit", "ent_qilin", {}), ("county_approve", "county_qilin", {}),
                    ("city_prepare", "city_reviewer", OPINION), ("city_approve", "city_approver", {})]

def _transfer(demo, make_lot):
    from reserve.transfers import transfer_create

    make_lot("20", pollutant="SO2", enterprise="ent_gejiu")
    return transfer_create(actor=demo["city_reviewer"], data={
        "from_city": "532500", "pollutant": "SO2", "quantity": "5", "project_name": "麒麟示范热电扩建", "region": "530302",
        "reason": "本市储备不足"})


def _arranged(demo, make_lot):  # by the province (seed 002)
    from reserve.transfers import transfer_create

    make_lot("20", pollutant="SO2", enterprise="ent_gejiu")
    return transfer_create(actor=demo["province"], data={
        "from_city": "532500", "pollutant": "SO2", "quantity": "4", "project_name": "省重点项目", "region": "530302",
        "reason": "省级统筹"})


def _verifier():
    from quota_registry.orgs.models import Organisation

    return Organisation.objects.get(kind="verifier").pk


def _key_emitter(demo, make_lot, enterprise="ent_huize"):
    from carbon.services import unit_list

    return unit_list(actor=demo["city_reviewer"], enterprise=demo[enterprise].organisation, year=2025,
                     emissions="30000", reason="核查报告")


def _emission_report(demo, make_lot):
    from carbon.services import report_create

    return report_create(actor=demo["ent_qilin"], unit=_key_emitter(demo, make_lot, "ent_qilin"), year=2025,
                         reported_emissions="30000", energy_tce="12000", sources="燃煤锅炉", basis="核算指南")


# (kind, maker, steps: (action, user or None for the system, input: dict or function of the record, before))
SCRIPTS = [
    ("entry", _entry, [("submit", "ent_qilin", {}), ("county_return", "county_qilin", OPINION),
                       ("submit", "ent_qilin", {}), ("county_approve", "county_qilin", {}),
                       ("verify", "city_reviewer", lambda r: {"item": r.items.get().pk, "quantity": "10",
                                                              "reason": "按监测报告核定"}),
                       ("city_prepare", "city_reviewer", OPINION), ("city_approve", "city_approver", {}),
                       ("revoke", "city_approver", OPINION)]),
    ("entry", _entry, [("submit", "ent_qilin", {}), ("county_reject", "county_qilin", OPINION)]),
    ("entry", _entry, [("submit", "ent_qilin", {}), ("county_approve", "county_qilin", {}),
                       ("city_prepare", "city_reviewer", OPINION), ("city_return", "city_approver", OPINION),
                       ("withdraw", "ent_qilin", {})]),
    ("entry", _entry, [("submit", "ent_qilin", {}), ("county_approve", "county_qilin", {}),
                       ("city_prepare", "city_reviewer", OPINION), ("city_reject", "city_approver", OPINION)]),
    ("withdrawal", _withdrawal, APPLICATION_MAIN),
    ("withdrawal", _withdrawal, [("submit", "ent_qilin", {}), ("county_return", "county_qilin", OPINION),
                                 ("submit", "ent_qilin", {}), ("county_reject", "county_qilin", OPINION)]),
    ("withdrawal", _withdrawal, [*APPLICATION_MAIN[:3], ("city_return", "city_approver", OPINION),
                                 ("withdraw", "ent_qilin", {})]),
    ("withdrawal", _withdrawal, [*APPLICATION_MAIN[:3], ("city_reject", "city_approver", OPINION)]),
    ("lot", _planned_lot, [("complete", "city_reviewer", {"completed_on": "2026-11-01", "evidence": "竣工验收批复"})]),
    ("lot", _active_lot, [("expire", None, {})]),
    ("trade", _trade, [("announce", "city_reviewer", {}), ("interest", "ent_xuanwei", {"wanted_quantity": "3"}),
                       ("method", "city_reviewer", lambda t: {  # the reserve sells by public bidding (Art 17)
                           "starting_price": "1000", "increment": "50",
                           "bidding_opens": (NOW() - datetime.timedelta(hours=1)).isoformat(),
                           "bidding_closes": (NOW() + datetime.timedelta(hours=1)).isoformat()}, _buyer_qualified),
                       ("bid", "ent_huize", {"quantity": "4", "unit_price": "1050"}),
                       ("close", "city_reviewer", {}, _window_closed),
                       ("contract", "city_reviewer", {"contract_number": "HT-2026-9"}),
                       ("settle", "city_reviewer", lambda t: {
                           "deal": t.deals.get().pk, "buyer_paid_at": (NOW() - datetime.timedelta(days=2)).isoformat(),
                           "seller_paid_at": (NOW() - datetime.timedelta(days=1)).isoformat()}, _settled_long_ago),
                       ("confirm", "city_approver", {}), ("publish", "city_reviewer", {})]),
    ("trade", _trade, [("cancel", "city_reviewer", {"reason": "无人申请受让"})]),
    ("trade", _enterprise_offer, [("announce", "city_reviewer", {}),
                                  ("buy_back", "city_approver", {"wanted_quantity": "5", "opinion": "收储"})]),
    ("party", _party, [("qualify", "county_huize", {})]),
    ("party", _party, [("refuse", "city_reviewer", {"opinion": "未提供排污许可证"})]),
    ("fee", _fee, [("pay", "city_reviewer", {"amount": "400", "paid_on": "2026-11-02", "receipt": "FS-1"}),
                   ("pay", "city_reviewer", {"amount": "600", "paid_on": "2026-11-03", "receipt": "FS-2"})]),
    ("fee", _fee, [("waive", "city_approver", {"opinion": "重点项目减免"})]),
    ("pledge", _pledge, [("register", "city_reviewer", {}), ("release", "bank", {})]),
    ("pledge", _pledge, [("refuse", "city_reviewer", {"opinion": "抵押合同未载明抵押物"})]),
    ("pledge", _pledge, [("register", "city_approver", {}), ("default", "bank", {"opinion": "借款逾期未还"})]),
    ("deposit", _deposit, [("confirm", "city_reviewer", {"receipt": "BZJ-1"}), ("apply", None, {}),
                           ("forfeit", "city_approver", {"opinion": "竞得后未签约"})]),
    ("deposit", _deposit, [("release", None, {})]),
    ("restriction", _restriction, [("lift", "city_reviewer", {"opinion": "信用修复完成"})]),
    ("citytransfer", _transfer, [("agree", "honghe_reviewer", {}), ("approve", "province", {"opinion": "同意"})]),
    ("keyemitter", _key_emitter, [("delist", "city_reviewer", OPINION), ("relist", "city_approver", OPINION)]),
    ("emissionreport", _emission_report, [
        ("submit", "ent_qilin", {}), ("assign", "city_reviewer", lambda r: {"verifier": _verifier()}),
        ("verify", "verifier", {"verified_emissions": "30500", "findings": "排放因子取值有误"}),
        ("send_back", "city_approver", OPINION), ("verify", "verifier", {"verified_emissions": "30400"}),
        ("accept", "city_approver", {})]),
    ("citytransfer", _transfer, [("decline", "honghe_reviewer", OPINION)]),
    ("citytransfer", _transfer, [("agree", "honghe_reviewer", {}), ("refuse", "province", OPINION)]),
    ("citytransfer", _arranged, [("approve", "province_leader", {})]),  # not by who arranged it (four-eyes)
    ("citytransfer", _arranged, [("refuse", "province_leader", OPINION)]),
    ("obligation", _obligation, [("file", "ent_qilin", lambda o: {"files": [pdf()], "note": "已提交"}),
                                 ("confirm", "county_qilin", {
                                     "permit_number": "P-1", "permit_version": "2026-11-20 变更",
                                     "recorded_measure": "脱硫提标", "recorded_reduction": "SO2 2 t/a",
                                     "recorded_transfer": "SO2 2 t/a → 会泽"})]),
]


def _reaches(kind, user, record) -> bool:
    return kind.reachable(user).filter(pk=record.pk).exists()


def _perform(user, record, action, data):
    kind = engine.kind_for(record)
    return engine.perform(actor=user, model=kind.model, pk=record.pk, action=action, data=data)


def _unchanged(record, before_status, reviews):
    record.refresh_from_db()
    kind = engine.kind_for(record)
    assert getattr(record, kind.status_field) == before_status
    assert engine.decisions_of(record).count() == reviews


@pytest.fixture
def walked(demo, make_lot, settings):
    settings.PORTAL_FOUR_EYES = True
    taken, reached, refusals = set(), set(), {"409": 0, "403": 0, "404": 0}
    for name, maker, steps in SCRIPTS:
        kind = engine.KINDS[next(m for m, k in engine.KINDS.items() if k.name == name)]
        record = maker(demo, make_lot)
        for action, username, data, *before in steps:
            if before:  # what the step needs besides the record's state (another record's steps)
                before[0](demo, record)
                record.refresh_from_db()
            status = getattr(record, kind.status_field)
            reached.add((name, status))
            reviews = engine.decisions_of(record).count()
            for other in {s.action for s in kind.steps}:
                if all(status not in s.sources for s in kind.steps_named(other)):
                    with pytest.raises(engine.TransitionNotAllowed):
                        _perform(demo["city_admin"], record, other, {})
                    refusals["409"] += 1
            _unchanged(record, status, reviews)
            step = next(s for s in kind.steps_named(action) if status in s.sources)
            for user in (demo[p] for p in PEOPLE):
                if not _reaches(kind, user, record):
                    with pytest.raises(Http404):
                        _perform(user, record, action, {})
                    refusals["404"] += 1
                elif not step.who(user, record) and user.username != username:
                    with pytest.raises(PermissionDenied):
                        _perform(user, record, action, {})
                    refusals["403"] += 1
            _unchanged(record, status, reviews)
            actor = demo[username] if username else None
            values = data(record) if callable(data) else data
            audits = AuditEntry.objects.filter(action=f"{kind.model._meta.model_name}.{action}", object_id=str(record.pk))
            audit_count = audits.count()
            decision = _perform(actor, record, action, values)
            record.refresh_from_db()
            after = getattr(record, kind.status_field)
            assert after in step.leads_to() and (callable(step.target) or after == (step.target or status)), action
            assert engine.decisions_of(record).count() == reviews + 1
            stage = step.stage(actor) if callable(step.stage) else step.stage
            assert (decision.action, decision.stage, decision.from_status, decision.actor) == (
                step.decision, stage, status, actor)
            assert decision.actor_name == (actor.display_name if actor else "系统")
            assert audits.count() == audit_count + 1
            taken.add((name, action))
        reached.add((name, getattr(record, kind.status_field)))
    return taken, reached, refusals


def test_every_step_of_every_kind_refuses_and_records_as_its_table_says(walked):
    taken, reached, refusals = walked
    every_step = {(k.name, s.action) for k in engine.KINDS.values() for s in k.steps}
    assert every_step - taken == set()
    reachable = {(k.name, state) for k in engine.KINDS.values() for s in k.steps
                 for state in (*s.sources, *s.leads_to())}
    assert reachable - reached == set()
    assert ("entry", "county_approved") in reached and ("trade", "settled") in reached
    assert min(refusals.values()) > 10, refusals


def test_the_documentation_shows_the_tables_as_they_are():
    from pathlib import Path

    from django.conf import settings

    from quota_registry.review.diagrams import render

    current = (Path(settings.BASE_DIR) / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert current == render(), "docs/workflows.md is not current: run manage.py workflow_docs"
    assert "stateDiagram-v2" in current and "`county-review` (`decision`: `return`)" in current


def test_the_tables_are_consistent():
    """Every step starts from and leads to states of its kind, records a known decision and stage, and the API
    paths of a kind are unique."""
    from quota_registry.review.models import Decision, Stage

    for kind in engine.KINDS.values():
        states = set(kind.states.values)
        assert kind.initials and set(kind.initials) <= states, kind.name
        for step in kind.steps:
            assert set(step.sources) <= states, (kind.name, step.action)
            assert set(step.leads_to()) <= states and step.leads_to(), (kind.name, step.action)
            assert step.decision in Decision.values, (kind.name, step.action)
            assert callable(step.stage) or step.stage in Stage.values, (kind.name, step.action)
            assert step.opinion in ("required", "optional", "none"), (kind.name, step.action)
            assert str(step.label), (kind.name, step.action)
        paths = [path for path in kind.endpoints()]
        assert len(paths) == len(set(paths)), kind.name
    assert {_county_or_city(type("U", (), {"role": r})()) for r in ("county_reviewer", "city_reviewer")} == {
        Stage.COUNTY, Stage.CITY}


def test_a_lot_of_another_enterprise_is_not_completed_and_the_record_says_nothing(demo, make_lot):
    lot = make_lot("5", pollutant="NOX", status="planned")
    for username in ("ent_qilin", "county_qilin"):
        with pytest.raises((PermissionDenied, Http404)):
            _perform(demo[username], lot, "complete", {"completed_on": "2026-11-01", "evidence": "x"})
    assert not Review.objects.filter(object_id=lot.pk, subject_label=lot.number).exists()
    assert PermitChangeObligation.objects.count() == 0
