"""Withdrawals: pre-check, ratios, eligible sources, holds, release, approval, obligations, scope, and
that concurrent submissions never promise the same quota twice."""
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ledger import services as ledger
from ledger.models import AccountKind, Holding
from ledger.verification import verify
from quota_registry.review.models import Status
from reserve.models import Allocation, WithdrawalApplication
from trading.services import obligations_of

URL = "/api/v1/withdrawal-applications/"


def body(items=None, **project):
    p = {"name": "会泽铅锌冶炼技改项目", "industry": "3212", "eia_authority": "曲靖市生态环境局"}
    p.update(project)
    return {"project": p, "items": items or [{"pollutant": "PB", "new_emission": "10"}]}


def pool_balance(lot):
    return ledger.balance(ledger.pool("530300"), lot)


def held(lot):
    return ledger.balance(ledger.held("530300"), lot)


@pytest.fixture
def pb_lot(make_lot, demo):
    return make_lot("50", pollutant="PB", enterprise="ent_huize")


def create(api_as, user="ent_huize", payload=None):
    response = api_as(user).post(URL, payload or body(), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def act(client, pk, path, **data):
    return client.post(f"{URL}{pk}/{path}/", data, format="json")


def test_precheck_is_public_and_places_no_hold(api, pb_lot):
    response = api.post("/api/v1/precheck/", {"region": "530326", "industry": "3212",
                                              "items": [{"pollutant": "PB", "new_emission": "10"}]}, format="json")
    assert response.status_code == 200, response.json()
    item = response.json()["items"][0]
    assert (item["ratio"], item["required"], item["eligible_available"], item["sufficient"]) == (
        "1.20", "12.0000", "50.0000", True)
    assert "会泽县" in item["reason"] and "1.2:1" in item["reason"]
    assert held(pb_lot) == 0


@pytest.mark.parametrize(("items", "key"), [
    ([{"pollutant": "XX", "new_emission": "1"}], "items[0].pollutant"),
    ([{"pollutant": "PB", "new_emission": "-1"}], "items[0].new_emission"),
    ([{"pollutant": "PB", "new_emission": "0"}], "items[0].new_emission"),
    ([{"pollutant": "PB", "new_emission": "1.00001"}], "items[0].new_emission"),
    ([{"pollutant": "PB", "new_emission": "abc"}], "items[0].new_emission"),
    ([], "items"),
])
def test_precheck_bad_input(api, db, items, key):
    response = api.post("/api/v1/precheck/", {"region": "530326", "industry": "3212", "items": items}, format="json")
    assert response.status_code == 400 and key in response.json(), response.json()


def test_precheck_unknown_region_and_industry(api, db):
    response = api.post("/api/v1/precheck/", {"region": "999999", "industry": "0000",
                                              "items": [{"pollutant": "SO2", "new_emission": "1"}]}, format="json")
    assert response.status_code == 400 and {"region", "industry"} <= set(response.json())


def test_full_route_moves_quota_to_the_project_and_creates_the_obligation(api_as, pb_lot, demo):
    data = create(api_as)
    item = data["items"][0]
    assert (item["ratio"], item["required"]) == ("1.20", "12.0000") and "1.2:1" in item["reason"]
    assert data["rule_set"] == "qujing"
    ent = api_as("ent_huize")
    submitted = act(ent, data["id"], "submit").json()
    assert submitted["status"] == "submitted"
    assert submitted["items"][0]["allocations"][0]["quantity"] == "12.0000"
    assert (pool_balance(pb_lot), held(pb_lot)) == (Decimal("38"), Decimal("12"))
    assert act(api_as("county_huize"), data["id"], "county-review", decision="approve", opinion="同意").status_code == 200
    assert act(api_as("city_reviewer"), data["id"], "city-prepare", opinion="比例与来源无误").status_code == 200
    approved = act(api_as("city_approver"), data["id"], "city-review", decision="approve", opinion="同意出库").json()
    assert approved["status"] == "approved"
    assert held(pb_lot) == 0 and pool_balance(pb_lot) == Decimal("38")
    application = WithdrawalApplication.objects.get(pk=data["id"])
    project_account = ledger.account(AccountKind.ENTERPRISE, demo["ent_huize"].organisation,
                                     reference=application.number)
    assert project_account.label == application.project_name
    assert ledger.balance(project_account, pb_lot) == Decimal("12")
    obligation = obligations_of(application).get()
    assert obligation.enterprise == pb_lot.enterprise and obligation.working_days == 30
    assert obligation.transferred == [{"pollutant": "PB", "unit": "kg/a", "lot": pb_lot.number, "quantity": "12.0000"}]
    assert obligation.due_date > obligation.approved_on
    balances = api_as("city_reviewer").get("/api/v1/balances/?pollutant=PB&region=530326").json()["results"][0]
    assert balances["available"] == "38.0000" and balances["held"] == "0.0000"
    assert verify().ok


@pytest.mark.parametrize(("path", "user", "decision"), [
    ("county-review", "county_huize", "return"), ("county-review", "county_huize", "reject"),
    ("withdraw", "ent_huize", None),
])
def test_return_reject_and_withdraw_release_the_hold(api_as, pb_lot, path, user, decision):
    data = create(api_as)
    act(api_as("ent_huize"), data["id"], "submit")
    assert held(pb_lot) == Decimal("12")
    extra = {"decision": decision} if decision else {}
    response = act(api_as(user), data["id"], path, opinion="请补充区域削减方案", **extra)
    assert response.status_code == 200, response.json()
    assert held(pb_lot) == 0 and pool_balance(pb_lot) == Decimal("50")
    assert verify().ok


def test_city_return_releases_and_resubmit_holds_again(api_as, pb_lot):
    data = create(api_as)
    ent = api_as("ent_huize")
    act(ent, data["id"], "submit")
    act(api_as("county_huize"), data["id"], "county-review", decision="approve")
    act(api_as("city_reviewer"), data["id"], "city-prepare", opinion="需补充")
    act(api_as("city_approver"), data["id"], "city-review", decision="return", opinion="补充材料")
    assert held(pb_lot) == 0
    assert act(ent, data["id"], "submit").json()["status"] == "submitted"
    assert held(pb_lot) == Decimal("12")


def test_not_enough_eligible_quota_is_a_clear_error_and_holds_nothing(api_as, make_lot, demo):
    lot = make_lot("5", pollutant="PB", enterprise="ent_huize")
    data = create(api_as)
    response = act(api_as("ent_huize"), data["id"], "submit")
    assert response.status_code == 400
    assert "PB" in response.json() and "12.0000" in response.json()["PB"][0]
    assert WithdrawalApplication.objects.get(pk=data["id"]).status == Status.DRAFT
    assert held(lot) == 0


def test_ineligible_lots_are_never_used(api_as, make_lot, demo):
    make_lot("100", pollutant="PB", enterprise="ent_huize", earmarked=True)  # major projects only
    make_lot("100", pollutant="PB", enterprise="ent_qilin")  # 麒麟 demo enterprise is a coking plant: not key industry
    data = create(api_as)
    assert act(api_as("ent_huize"), data["id"], "submit").status_code == 400
    major = create(api_as, payload=body(major_project=True))
    assert act(api_as("ent_huize"), major["id"], "submit").status_code == 200


def test_water_quota_from_the_same_watershed_only(api_as, make_lot, demo):
    """Art 12: water factors from the same watershed. A water factor's project names its receiving watershed, and only
    lots of that watershed serve it (not every watershed of the county)."""
    from quota_registry.reference.models import Watershed

    nanpan, niulan = Watershed.objects.get(code="nanpan"), Watershed.objects.get(code="niulan")
    make_lot("100", pollutant="COD", enterprise="ent_qilin", watershed=nanpan)
    unnamed = api_as("ent_huize").post(URL, body(items=[{"pollutant": "COD", "new_emission": "1.5"}]), format="json")
    assert unnamed.status_code == 400
    assert "化学需氧量" in unnamed.json()["watershed"][0] and "第十二条" in unnamed.json()["watershed"][0]
    data = create(api_as, payload=body(items=[{"pollutant": "COD", "new_emission": "1.5"}], watershed="niulan"))
    assert act(api_as("ent_huize"), data["id"], "submit").status_code == 400  # the nanpan lot does not serve niulan
    niulan_lot = make_lot("100", pollutant="COD", enterprise="ent_huize", watershed=niulan)
    assert act(api_as("ent_huize"), data["id"], "submit").status_code == 200
    assert held(niulan_lot) > 0


def test_manual_allocation(api_as, make_lot, demo):
    a = make_lot("8", pollutant="PB", enterprise="ent_huize")
    b = make_lot("8", pollutant="PB", enterprise="ent_huize")
    payload = body()
    payload["allocations"] = [{"lot": a.pk, "quantity": "8"}, {"lot": b.pk, "quantity": "4"}]
    data = create(api_as, payload=payload)
    assert data["auto_allocate"] is False
    assert act(api_as("ent_huize"), data["id"], "submit").status_code == 200
    assert (held(a), held(b)) == (Decimal("8"), Decimal("4"))
    wrong = body()
    wrong["allocations"] = [{"lot": a.pk, "quantity": "0"}]
    assert api_as("ent_huize").post(URL, wrong, format="json").status_code == 400
    short = body()
    short["allocations"] = [{"lot": b.pk, "quantity": "4"}]
    draft = create(api_as, payload=short)
    response = act(api_as("ent_huize"), draft["id"], "submit")
    assert response.status_code == 400 and "12.0000" in str(response.json())


def test_manual_pick_of_an_ineligible_lot_is_refused(api_as, make_lot, demo):
    earmarked = make_lot("20", pollutant="PB", enterprise="ent_huize", earmarked=True)
    payload = body()
    payload["allocations"] = [{"lot": earmarked.pk, "quantity": "12"}]
    response = api_as("ent_huize").post(URL, payload, format="json")
    assert response.status_code == 400 and "allocations[0].lot" in response.json()


def test_other_key_industry_only_for_the_shortfall(api_as, make_lot, demo):
    from quota_registry.orgs.credit_code import make_code
    from quota_registry.orgs.models import Organisation
    from quota_registry.reference.models import Industry, Region

    mine = Organisation.objects.create(kind="enterprise", name="会泽示范铅锌矿业", credit_code=make_code("91", "530326", 4242),
                                       region=Region.objects.get(code="530326"), industry=Industry.objects.get(code="0912"))
    same = make_lot("10", pollutant="PB", enterprise="ent_huize")
    other = make_lot("10", pollutant="PB", enterprise=mine)
    payload = body()
    payload["allocations"] = [{"lot": other.pk, "quantity": "10"}, {"lot": same.pk, "quantity": "2"}]
    draft = create(api_as, payload=payload)
    response = act(api_as("ent_huize"), draft["id"], "submit")
    assert response.status_code == 400 and "10.0000" in str(response.json())
    auto = create(api_as)
    assert act(api_as("ent_huize"), auto["id"], "submit").status_code == 200
    assert (held(same), held(other)) == (Decimal("10"), Decimal("2"))  # own industry first, the rest from mining


def test_government_commitment_required_when_the_plan_relies_on_it(api_as, pb_lot):
    payload = body()
    payload["plan"] = [{"pollutant": "PB", "quantity": "1", "source": "会泽县城区", "measure": "淘汰落后产能",
                        "responsible_party": "会泽县人民政府", "deadline": "2027-06-30", "by_government": True}]
    data = create(api_as, payload=payload)
    assert data["relies_on_government"] is True and data["plan"][0]["responsible_party"] == "会泽县人民政府"
    ent = api_as("ent_huize")
    response = act(ent, data["id"], "submit")
    assert response.status_code == 400 and "commitment" in response.json()
    letter = SimpleUploadedFile("承诺函.pdf", b"%PDF-1.4\n%%EOF\n")
    assert ent.post(f"{URL}{data['id']}/evidence/", {"files": [letter], "purpose": "commitment"},
                    format="multipart").status_code == 201
    assert act(ent, data["id"], "submit").status_code == 200


def test_scope(api_as, pb_lot):
    data = create(api_as)
    for user in ("ent_qilin", "county_qilin", "tech_reviewer"):
        assert api_as(user).get(f"{URL}{data['id']}/").status_code == 404
    for user in ("ent_huize", "county_huize", "city_reviewer"):
        assert api_as(user).get(f"{URL}{data['id']}/").status_code == 200
    assert api_as("county_huize").post(URL, body(), format="json").status_code == 403


def test_transitions_the_state_does_not_allow(api_as, pb_lot):
    data = create(api_as)
    assert act(api_as("city_approver"), data["id"], "city-review", decision="approve").status_code == 409
    assert act(api_as("county_huize"), data["id"], "county-review", decision="approve").status_code == 409
    assert act(api_as("city_approver"), data["id"], "revoke", opinion="x").status_code == 404  # no such action


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submissions_compete_for_one_lot(work_left_to_the_worker):
    """A 12 kg/a lot covers 10 submissions of 1.2 kg/a: exactly 10 succeed, 10 get a clear error."""
    from django.db import connection

    from quota_registry.orgs.models import User
    from quota_registry.review import engine
    from reserve import withdrawals
    from tests.conftest import _ensure_demo
    from tests.reserve.conftest import Lot

    _ensure_demo()
    ent = User.objects.get(username="ent_huize")
    org = ent.organisation
    import datetime

    from django.utils import timezone

    from quota_registry.reference.models import Pollutant

    lot = Lot(number="CONC-PB", pollutant=Pollutant.objects.get(code="PB"), quantity=Decimal("12"),
                             enterprise=org, region=org.region, industry=org.industry, source_kind="reduction",
                             status="active", verified_on=timezone.localdate(),
                             valid_until=timezone.localdate() + datetime.timedelta(days=30))
    ledger.issue(actor=None, lots=[lot], subject=None)  # saved and issued in one transaction
    drafts = [withdrawals.withdrawal_create(actor=ent, data={"project_name": f"项目{i}", "industry": org.industry,
                                                             "eia_authority": "曲靖市生态环境局"},
                                            items=[{"pollutant": "PB", "new_emission": "1"}]) for i in range(20)]
    outcomes, barrier = [], threading.Barrier(20)

    def submit(application):
        barrier.wait()
        try:
            engine.perform(actor=ent, model=WithdrawalApplication, pk=application.pk, action="submit")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the test inspects what came back
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [o for o in outcomes if o != "ok"]
    assert outcomes.count("ok") == 10, outcomes
    assert len(errors) == 10 and all("PB" in getattr(e, "message_dict", {}) for e in errors), errors
    assert all("Not enough eligible quota" in e.message_dict["PB"][0] or "不足" in e.message_dict["PB"][0] for e in errors)
    assert ledger.balance(ledger.held("530300"), lot) == Decimal("12.0000")
    assert ledger.balance(ledger.pool("530300"), lot) == 0
    assert WithdrawalApplication.objects.filter(status="submitted").count() == 10
    assert Allocation.objects.filter(lot=lot).count() == 10
    assert not Holding.objects.filter(quantity__lt=0).exists()
    assert verify().ok


def test_no_new_quota_while_on_the_citys_list(api_as, pb_lot, demo, as_user):
    """Seed 001 guide Art 4: an enterprise with a violation not rectified gets no new quota (nor accounting) until it
    is; the refusal names the entry. Lifting it (with a reason, never deleting it) lets the application go on."""
    import datetime

    from django.utils import timezone

    from quota_registry.orgs.models import Restriction

    restriction = Restriction.objects.create(
        kind="unrectified_violation", organisation=demo["ent_huize"].organisation, reason="在线监测数据弄虚作假",
        source="曲环罚〔2026〕12号", valid_from=timezone.localdate() - datetime.timedelta(days=40))
    data = create(api_as)
    refused = act(api_as("ent_huize"), data["id"], "submit")
    assert refused.status_code == 400
    message = str(refused.json())
    assert "在线监测数据弄虚作假" in message and "曲环罚〔2026〕12号" in message and "第四条" in message
    page = as_user("city_approver").get(f"/organisations/{demo['ent_huize'].organisation.pk}/").content.decode()
    assert 'data-testid="restrictions"' in page and "在线监测数据弄虚作假" in page
    Restriction.objects.filter(pk=restriction.pk).update(lifted_on=timezone.localdate(), lifted_reason="已完成整改")
    assert act(api_as("ent_huize"), data["id"], "submit").status_code == 200


def test_shanxi_stops_new_projects_of_a_county_that_missed_its_target(api_as, pb_lot, demo):
    """Seed 003 Art 4: a county that missed last year's reduction target gets no new-emission project under the
    Shanxi rules; Qujing's rules have no such restriction, so the same county's project goes on there."""
    import datetime

    from django.utils import timezone

    from quota_registry.orgs.models import Restriction
    from quota_registry.reference.models import Region

    Restriction.objects.create(kind="missed_reduction_target", region=Region.objects.get(code="530326"),
                               reason="2025年度氮氧化物减排目标未完成", source="晋环函〔2026〕7号",
                               valid_from=timezone.localdate() - datetime.timedelta(days=3))
    shanxi, qujing = create(api_as), create(api_as)
    WithdrawalApplication.objects.filter(pk=shanxi["id"]).update(rule_set="shanxi")
    refused = act(api_as("ent_huize"), shanxi["id"], "submit")
    assert refused.status_code == 400 and "2025年度氮氧化物减排目标未完成" in str(refused.json())
    assert act(api_as("ent_huize"), qujing["id"], "submit").status_code == 200


@pytest.mark.parametrize(("estimates", "lowest", "method"), [
    ({"permit_norm": "12", "source_strength": "9.5", "standard_limit": "10.25"}, "9.5", "源强"),
    ({"permit_norm": "7.1250", "source_strength": "9", "standard_limit": "7.5"}, "7.125", "技术规范"),
    ({"permit_norm": "8", "source_strength": "8.2", "standard_limit": "6.0001"}, "6.0001", "排放标准"),
])
def test_the_quantity_is_the_lowest_of_three_estimates(api_as, pb_lot, estimates, lowest, method):
    """Seed 003 Art 12: 取三种方式测算得出的最低值核定 — given the three estimates, a new emission other than the
    lowest is refused with the lowest and its method named; the lowest is accepted and its basis kept."""
    other = str(Decimal(lowest) + Decimal("0.5"))
    refused = api_as("ent_huize").post(URL, body(items=[{"pollutant": "PB", "new_emission": other,
                                                         "estimates": estimates}]), format="json")
    assert refused.status_code == 400
    message = refused.json()["items[0].new_emission"][0]
    assert Decimal(lowest).normalize().to_eng_string() in message and method in message and "第十二条" in message
    created = create(api_as, payload=body(items=[{"pollutant": "PB", "new_emission": lowest, "estimates": estimates}]))
    assert "三种" in created["items"][0]["reason"] and method in created["items"][0]["reason"]
    incomplete = dict(list(estimates.items())[:2])
    assert api_as("ent_huize").post(URL, body(items=[{"pollutant": "PB", "new_emission": lowest,
                                                      "estimates": incomplete}]), format="json").status_code == 400
