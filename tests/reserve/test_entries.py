"""Entry applications through the one review workflow: every transition, every forbidden one, scope,
evidence, the accounting, and what approval and revocation do to the pool."""
import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ledger import services as ledger
from ledger.models import AccountKind, Lot, LotStatus
from ledger.verification import verify
from quota_registry.audit.models import AuditEntry
from quota_registry.files.services import attachments_of
from quota_registry.review import engine
from quota_registry.review.models import Review
from reserve.models import EntryApplication

from .conftest import pdf

URL = "/api/v1/entry-applications/"


def act(client, pk, path, **body):
    return client.post(f"{URL}{pk}/{path}/", body, format="json")


def test_full_route_issues_a_lot_into_the_pool(api_as, filed, demo):
    data = filed(upto="approved")
    assert data["status"] == "approved"
    item = data["items"][0]
    assert item["quantity"] == "100.0000"  # Ek = 120 - 1e9 m3 x 20 mg/m3 (= 20 t)
    assert "Ek = Eq − Eh" in item["accounting_formula"]
    lot = Lot.objects.get(pk=item["lot"])
    today = timezone.localdate()
    assert (lot.quantity, lot.status, lot.source_kind, lot.earmarked) == (Decimal("100"), "active", "reduction", False)
    assert lot.enterprise == demo["ent_qilin"].organisation and lot.region.code == "530302"
    assert lot.industry == demo["ent_qilin"].organisation.industry
    assert lot.valid_until == datetime.date(today.year + 5, 12, 31)
    assert [r["action"] for r in data["reviews"]] == ["submit", "approve", "prepare", "approve"]
    assert [r["stage"] for r in data["reviews"]] == ["applicant", "county", "city_prep", "city"]
    balances = api_as("city_reviewer").get("/api/v1/balances/?pollutant=SO2&region=530302").json()["results"]
    assert balances[0]["issued"] == "100.0000" and balances[0]["available"] == "100.0000"
    assert verify().ok
    actions = AuditEntry.objects.filter(object_id=str(data["id"]), content_type__model="entryapplication")
    assert {"entryapplication.create", "entryapplication.submit", "entryapplication.county_approve",
            "entryapplication.city_prepare", "entryapplication.city_approve"} <= set(actions.values_list("action", flat=True))


def test_each_step_notifies_the_next_party(filed, demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        filed(upto="submitted")
    assert any(m.to == [demo["county_qilin"].email] for m in mail.outbox)
    assert not any(m.to == [demo["county_huize"].email] for m in mail.outbox)


@pytest.mark.parametrize(("status", "user", "path", "body"), [
    ("draft", "county_qilin", "county-review", {"decision": "approve"}),
    ("draft", "city_approver", "city-review", {"decision": "approve"}),
    ("submitted", "city_approver", "city-review", {"decision": "approve"}),
    ("submitted", "ent_qilin", "submit", {}),
    ("county_approved", "county_qilin", "county-review", {"decision": "approve"}),
    ("county_approved", "ent_qilin", "submit", {}),
    ("approved", "ent_qilin", "withdraw", {}),
    ("approved", "city_approver", "city-review", {"decision": "approve"}),
    ("draft", "city_approver", "revoke", {"opinion": "x"}),
])
def test_transitions_the_state_does_not_allow_are_409(filed, api_as, status, user, path, body):
    data = filed(upto=status)
    response = act(api_as(user), data["id"], path, **body)
    assert response.status_code == 409, response.json()
    assert EntryApplication.objects.get(pk=data["id"]).status == status


@pytest.mark.parametrize(("status", "user", "path", "body"), [
    ("draft", "county_qilin", "submit", {}),               # not the applicant
    ("submitted", "ent_qilin", "county-review", {"decision": "approve"}),
    ("submitted", "city_reviewer", "county-review", {"decision": "approve"}),
    ("county_approved", "city_reviewer", "city-review", {"decision": "approve"}),  # approver decides
    ("county_approved", "ent_qilin", "city-review", {"decision": "approve"}),
    ("approved", "city_reviewer", "revoke", {"opinion": "x"}),
])
def test_roles_that_may_not_decide_get_403(filed, api_as, status, user, path, body):
    data = filed(upto=status)
    assert act(api_as(user), data["id"], path, **body).status_code == 403
    assert EntryApplication.objects.get(pk=data["id"]).status == status


def test_other_county_and_other_enterprise_get_404(filed, api_as):
    data = filed(upto="submitted")
    for user in ("county_huize", "ent_huize"):
        client = api_as(user)
        assert client.get(f"{URL}{data['id']}/").status_code == 404
        assert act(client, data["id"], "county-review", decision="approve").status_code == 404
        assert client.get(URL).json()["count"] == 0
    assert api_as("tech_reviewer").get(f"{URL}{data['id']}/").status_code == 404


def test_return_needs_an_opinion_then_resubmit(filed, api_as, demo):
    data = filed(upto="submitted")
    county = api_as("county_qilin")
    response = act(county, data["id"], "county-review", decision="return", opinion=" ")
    assert response.status_code == 400 and "opinion" in response.json()
    assert act(county, data["id"], "county-review", decision="return", opinion="请补充验收监测报告").status_code == 200
    ent = api_as("ent_qilin")
    detail = ent.get(f"{URL}{data['id']}/").json()
    assert detail["status"] == "returned" and detail["reviews"][-1]["opinion"] == "请补充验收监测报告"
    patch = ent.patch(f"{URL}{data['id']}/", {"measure_description": "补充后的说明"}, format="json")
    assert patch.status_code == 200
    assert act(ent, data["id"], "submit").json()["status"] == "submitted"


def test_reject_is_final(filed, api_as):
    data = filed(upto="prepared")
    city = api_as("city_approver")
    assert act(city, data["id"], "city-review", decision="reject").status_code == 400  # opinion required
    assert act(city, data["id"], "city-review", decision="reject", opinion="核算依据不足").json()["status"] == "rejected"
    assert act(api_as("ent_qilin"), data["id"], "submit").status_code == 409
    assert not Lot.objects.filter(entry_item__application_id=data["id"]).exists()


def test_withdraw_before_decision(filed, api_as):
    data = filed(upto="county_approved")
    assert act(api_as("ent_qilin"), data["id"], "withdraw").json()["status"] == "withdrawn"


def test_city_return_sends_it_back_to_the_enterprise(filed, api_as):
    data = filed(upto="prepared")
    response = act(api_as("city_approver"), data["id"], "city-review", decision="return", opinion="请说明核算方法")
    assert response.json()["status"] == "returned"


def test_four_eyes(filed, api_as, settings):
    settings.PORTAL_FOUR_EYES = True
    data = filed(upto="county_approved")
    reviewer = api_as("city_reviewer")
    assert act(reviewer, data["id"], "city-prepare", opinion="").status_code == 400
    assert act(reviewer, data["id"], "city-prepare", opinion="核算无误，建议同意").status_code == 200
    # the preparer may not decide: give the preparer the approver role for the test
    from quota_registry.orgs.models import User

    User.objects.filter(username="city_reviewer").update(role="city_approver")
    response = act(reviewer, data["id"], "city-review", decision="approve")
    assert response.status_code == 403 and "另一人" in str(response.json())
    assert act(api_as("city_approver"), data["id"], "city-review", decision="approve").status_code == 200


def test_four_eyes_needs_a_preparation_by_another_person_first(filed, api_as, settings):
    """With four-eyes on, no city decision (approve, return, reject) without the preparatory review of the current
    submission by someone else: one person alone never decides."""
    settings.PORTAL_FOUR_EYES = True
    data = filed(upto="county_approved")
    approver = api_as("city_approver")
    assert "city_approve" not in approver.get(f"{URL}{data['id']}/").json()["allowed_actions"]
    for decision, opinion in (("approve", ""), ("return", "请补充"), ("reject", "不符合")):
        response = act(approver, data["id"], "city-review", decision=decision, opinion=opinion)
        assert response.status_code == 409 and "四眼" in str(response.json()), response.json()
    assert EntryApplication.objects.get(pk=data["id"]).status == "county_approved"
    assert not Lot.objects.filter(entry_item__application_id=data["id"]).exists()
    assert act(api_as("city_reviewer"), data["id"], "city-prepare", opinion="核算无误").status_code == 200
    assert {"city_approve", "city_return", "city_reject"} <= set(
        approver.get(f"{URL}{data['id']}/").json()["allowed_actions"])
    # returned and submitted again: the preparation of the earlier submission no longer counts
    assert act(approver, data["id"], "city-review", decision="return", opinion="请补充").status_code == 200
    ent = api_as("ent_qilin")
    assert act(ent, data["id"], "submit").status_code == 200
    assert act(api_as("county_qilin"), data["id"], "county-review", decision="approve").status_code == 200
    assert act(approver, data["id"], "city-review", decision="approve").status_code == 409
    assert act(api_as("city_reviewer"), data["id"], "city-prepare", opinion="已补充").status_code == 200
    assert act(approver, data["id"], "city-review", decision="approve").json()["status"] == "approved"


def test_four_eyes_off(filed, api_as, settings):
    settings.PORTAL_FOUR_EYES = False
    data = filed(upto="county_approved")
    from quota_registry.orgs.models import User

    User.objects.filter(username="city_reviewer").update(role="city_approver")
    client = api_as("city_reviewer")
    assert act(client, data["id"], "city-prepare", opinion="自审").status_code == 403  # role is approver now
    assert act(client, data["id"], "city-review", decision="approve").status_code == 200


def test_submit_needs_evidence(filed, api_as):
    data = filed(upto="draft")
    response = act(api_as("ent_qilin"), data["id"], "submit")
    assert response.status_code == 400 and "evidence" in response.json()


def test_evidence_type_is_checked_by_content(filed, api_as):
    data = filed(upto="draft")
    client = api_as("ent_qilin")
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    response = client.post(f"{URL}{data['id']}/evidence/", {"files": [fake]}, format="multipart")
    assert response.status_code == 400, response.json()
    assert "根据文件内容" in str(response.json()) and not attachments_of(EntryApplication.objects.get(pk=data["id"])).exists()
    png = SimpleUploadedFile("photo.bin", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert client.post(f"{URL}{data['id']}/evidence/", {"files": [png]}, format="multipart").status_code == 201


def test_evidence_is_downloaded_only_within_scope(filed, as_user):
    data = filed(upto="evidence")
    file_id = data["evidence"][0]["id"]
    assert as_user("ent_qilin").get(f"/files/{file_id}/").status_code == 200
    assert as_user("county_qilin").get(f"/files/{file_id}/").status_code == 200
    assert as_user("city_reviewer").get(f"/files/{file_id}/").status_code == 200
    assert as_user("ent_huize").get(f"/files/{file_id}/").status_code == 404
    assert as_user("county_huize").get(f"/files/{file_id}/").status_code == 404


def test_oversized_evidence_is_refused(filed, api_as, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100
    data = filed(upto="draft")
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 200)
    response = api_as("ent_qilin").post(f"{URL}{data['id']}/evidence/", {"files": [big]}, format="multipart")
    assert response.status_code == 400 and "100" in str(response.json())


@pytest.mark.parametrize(("items", "field"), [
    ([], "items"),
    ([{"pollutant": "XX", "completion_date": "2026-01-01", "quantity": "1"}], "items[0].pollutant"),
    ([{"pollutant": "SO2", "quantity": "1"}], "items[0].completion_date"),  # DRF's own error, keyed like the service's
    ([{"pollutant": "SO2", "quantity": "1", "completion_date": "2099-01-01"}], "items[0].completion_date"),
    ([{"pollutant": "SO2", "accounting_method": "self_treatment", "accounting_inputs": {"eq": "1", "max_flow": "1e12",
                                                                                        "concentration": "1"},
       "completion_date": "2026-01-01"}], "items[0].quantity"),
    ([{"pollutant": "SO2", "quantity": "1", "completion_date": "2026-01-01"},
      {"pollutant": "SO2", "quantity": "2", "completion_date": "2026-01-01"}], "items[1].pollutant"),
])
def test_bad_items_are_field_errors_and_change_nothing(api_as, entry_body, demo, items, field):
    count = EntryApplication.objects.count()
    response = api_as("ent_qilin").post(URL, entry_body(items=items), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert EntryApplication.objects.count() == count


def test_water_factor_needs_a_watershed_when_the_county_has_several(api_as, entry_body):
    item = {"pollutant": "COD", "quantity": "3", "completion_date": "2026-01-01"}
    # 宣威市 lies in 北盘江 and 牛栏江
    response = api_as("ent_xuanwei").post(URL, entry_body(items=[item]), format="json")
    assert response.status_code == 400 and "watershed" in response.json()
    ok = api_as("ent_xuanwei").post(URL, entry_body(items=[item], watershed="beipan"), format="json")
    assert ok.status_code == 201
    wrong = api_as("ent_xuanwei").post(URL, entry_body(items=[item], watershed="nanpan"), format="json")
    assert wrong.status_code == 400 and "watershed" in wrong.json()
    # 麒麟区 lies only in 南盘江: taken automatically
    auto = api_as("ent_qilin").post(URL, entry_body(items=[item]), format="json")
    assert auto.json()["watershed"] == "nanpan"


def test_city_verified_figure_replaces_the_claim(filed, api_as):
    data = filed(upto="county_approved")
    item_id = data["items"][0]["id"]
    city = api_as("city_reviewer")
    assert city.post(f"{URL}{data['id']}/verify-item/", {"item": item_id, "quantity": "80", "reason": ""},
                     format="json").status_code == 400
    response = city.post(f"{URL}{data['id']}/verify-item/", {"item": item_id, "quantity": "80",
                                                             "reason": "按2025年执行报告核定"}, format="json")
    assert response.status_code == 200 and response.json()["items"][0]["effective_quantity"] == "80.0000"
    assert api_as("ent_qilin").post(f"{URL}{data['id']}/verify-item/", {"item": item_id, "quantity": "200",
                                                                        "reason": "x"}, format="json").status_code == 403
    act(city, data["id"], "city-prepare", opinion="核定后建议同意")
    approved = act(api_as("city_approver"), data["id"], "city-review", decision="approve").json()
    assert Lot.objects.get(pk=approved["items"][0]["lot"]).quantity == Decimal("80")


def test_planned_reduction_is_not_available_until_completion(filed, api_as, demo, as_user):
    item = {"pollutant": "NOX", "quantity": "15", "completion_date": (timezone.localdate() + datetime.timedelta(days=90))
            .isoformat()}
    data = filed(upto="approved", source_kind="planned_reduction", items=[item])
    lot = Lot.objects.get(pk=data["items"][0]["lot"])
    assert lot.status == LotStatus.PLANNED
    # as if the plan had entered in 2023: its validity then ran from 2024 (seed 001 Art 15) ...
    Lot.objects.filter(pk=lot.pk).update(verified_on=datetime.date(2023, 5, 4), valid_until=datetime.date(2028, 12, 31))
    row = api_as("city_reviewer").get("/api/v1/balances/?pollutant=NOX&region=530302").json()["results"][0]
    assert (row["available"], row["planned"]) == ("0.0000", "15.0000")
    lot_api = api_as("city_reviewer").get(f"/api/v1/lots/{lot.pk}/").json()
    assert lot_api["available"] == "0.0000" and lot_api["in_pool"] == "15.0000"
    page = as_user("city_approver").get(f"/lots/{lot.pk}/").content.decode()
    assert 'data-action="complete"' in page  # the page offers the step, with its form
    assert 'data-action="complete"' not in as_user("ent_qilin").get(f"/lots/{lot.pk}/").content.decode()
    future = {"action": "complete", "completed_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
              "evidence": "竣工环保验收批复"}
    as_user("city_approver").post(f"/lots/{lot.pk}/act/", future)
    lot.refresh_from_db()
    assert lot.status == LotStatus.PLANNED  # a completion cannot be dated in the future
    response = as_user("city_approver").post(f"/lots/{lot.pk}/act/", {
        "action": "complete", "completed_on": timezone.localdate().isoformat(),
        "evidence": "竣工环保验收批复（曲环验〔2026〕1号）"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == LotStatus.ACTIVE and lot.completed_on == timezone.localdate()
    # ... and it is counted again from the year after the completion is verified (seed 001 Art 15)
    assert lot.valid_until == datetime.date(timezone.localdate().year + 5, 12, 31)
    assert api_as("city_reviewer").get(f"/api/v1/lots/{lot.pk}/").json()["available"] == "15.0000"
    assert lot.completion_evidence.startswith("竣工环保验收批复")
    assert [d.action for d in engine.decisions_of(lot)] == ["complete"]
    ent = as_user("ent_qilin").post(f"/lots/{lot.pk}/act/", {"action": "complete"})
    assert ent.status_code == 302  # refused with a message: it is no longer planned, and not theirs to decide


def test_county_files_abandoned_quota_earmarked_for_major_projects(api_as, entry_body, demo):
    ent = demo["ent_huize"].organisation
    body = entry_body(source_kind="abandoned", items=[{"pollutant": "PB", "quantity": "2.5", "completion_date": "2026-01-01"}])
    assert api_as("ent_huize").post(URL, body, format="json").status_code == 400  # enterprises may not
    county = api_as("county_huize")
    assert county.post(URL, body, format="json").status_code == 400  # enterprise required
    other = county.post(URL, {**body, "enterprise": demo["ent_qilin"].organisation.pk}, format="json")
    assert other.status_code == 404  # not in its county
    created = county.post(URL, {**body, "enterprise": ent.pk}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    county.post(f"{URL}{pk}/evidence/", {"files": [pdf()]}, format="multipart")
    submitted = act(county, pk, "submit").json()
    assert submitted["status"] == "county_approved" and submitted["filed_by_county"] is True
    act(api_as("city_reviewer"), pk, "city-prepare", opinion="建议同意")
    approved = act(api_as("city_approver"), pk, "city-review", decision="approve").json()
    lot = Lot.objects.get(pk=approved["items"][0]["lot"])
    assert lot.earmarked and lot.source_kind == "abandoned" and lot.pollutant.unit == "kg/a"


def test_returned_purchase_moves_the_holding_back(api_as, entry_body, demo, make_lot):
    lot = make_lot("20", pollutant="VOCS")
    ent = demo["ent_qilin"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                             ledger.account(AccountKind.ENTERPRISE, ent), Decimal("8"))])
    item = {"pollutant": "VOCS", "quantity": "9", "completion_date": "2026-01-01", "returned_lot": lot.pk}
    too_much = api_as("ent_qilin").post(URL, entry_body(source_kind="returned_purchase", items=[item]), format="json")
    assert too_much.status_code == 400 and "items[0].quantity" in too_much.json()
    item["quantity"] = "6"
    response = api_as("ent_qilin").post(URL, entry_body(source_kind="returned_purchase", paid=True, items=[item]),
                                        format="json")
    assert response.status_code == 201, response.json()
    client = api_as("ent_qilin")
    pk = response.json()["id"]
    client.post(f"{URL}{pk}/evidence/", {"files": [pdf()]}, format="multipart")
    act(client, pk, "submit")
    act(api_as("county_qilin"), pk, "county-review", decision="approve")
    act(api_as("city_reviewer"), pk, "city-prepare", opinion="建议同意")
    act(api_as("city_approver"), pk, "city-review", decision="approve")
    assert ledger.balance(ledger.account(AccountKind.ENTERPRISE, ent), lot) == Decimal("2")
    assert ledger.balance(ledger.pool("530300"), lot) == Decimal("18")
    assert verify().ok


def test_unused_project_quota_is_returned_from_the_project_account(api_as, entry_body, demo, make_lot):
    """Seed 000 Art 9: quota withdrawn for a project that was not built goes back to the pool, though it sits in
    the project's own account (not the general one); the general account is used first, then the project's."""
    lot = make_lot("30", pollutant="NOX")
    ent = demo["ent_qilin"].organisation
    project = ledger.account(AccountKind.ENTERPRISE, ent, reference="CK2026990001", label="焦炉扩建（未建设）")
    general = ledger.account(AccountKind.ENTERPRISE, ent)
    ledger.post(actor=None, kind="withdraw", legs=[ledger.Leg(lot, ledger.pool("530300"), project,
                                                             Decimal("11.25"))])
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"), general,
                                                             Decimal("2"))])
    item = {"pollutant": "NOX", "quantity": "13.25", "completion_date": "2026-02-01", "returned_lot": lot.pk}
    over = dict(item, quantity="13.2501")
    assert api_as("ent_qilin").post(URL, entry_body(source_kind="returned_purchase", items=[over]),
                                    format="json").status_code == 400
    response = api_as("ent_qilin").post(URL, entry_body(source_kind="returned_purchase", paid=True, items=[item]),
                                        format="json")
    assert response.status_code == 201, response.json()
    client, pk = api_as("ent_qilin"), response.json()["id"]
    client.post(f"{URL}{pk}/evidence/", {"files": [pdf()]}, format="multipart")
    act(client, pk, "submit")
    act(api_as("county_qilin"), pk, "county-review", decision="approve")
    act(api_as("city_reviewer"), pk, "city-prepare", opinion="项目未建设，建议同意")
    assert act(api_as("city_approver"), pk, "city-review", decision="approve").status_code == 200
    assert ledger.balance(general, lot) == 0 and ledger.balance(project, lot) == 0
    assert ledger.balance(ledger.pool("530300"), lot) == Decimal("30")
    assert verify().ok


def test_revocation_cancels_what_is_left_and_reports_what_was_used(filed, api_as, demo, as_user):
    data = filed(upto="approved")
    lot = Lot.objects.get(pk=data["items"][0]["lot"])
    ledger.hold(actor=demo["city_approver"], allocations=[(lot, Decimal("30"))], subject=lot)
    city = api_as("city_approver")
    assert act(city, data["id"], "revoke", opinion="").status_code == 400
    revoked = act(city, data["id"], "revoke", opinion="弄虚作假，依第二十五条撤销").json()
    assert revoked["status"] == "revoked" and revoked["revoke_reason"].startswith("弄虚作假")
    lot.refresh_from_db()
    assert lot.status == LotStatus.REVOKED
    assert ledger.balance(ledger.pool("530300"), lot) == 0
    assert ledger.balance(ledger.account(AccountKind.CANCELLED), lot) == Decimal("70")
    html = as_user("city_approver").get(f"/entries/{data['id']}/").content.decode()
    assert "30.0000" in html  # the held part is shown as a discrepancy to follow up
    assert Lot.objects.filter(pk=lot.pk).exists() and verify().ok


def test_reviews_record_who_when_and_why(filed, demo):
    data = filed(upto="approved")
    reviews = Review.objects.filter(object_id=data["id"], content_type__model="entryapplication").order_by("id")
    assert [(r.actor.username, r.role) for r in reviews] == [("ent_qilin", "enterprise_user"),
                                                              ("county_qilin", "county_reviewer"),
                                                              ("city_reviewer", "city_reviewer"),
                                                              ("city_approver", "city_approver")]
    assert reviews[1].opinion == "同意上报" and all(r.created_at for r in reviews)


def test_works_completed_before_2017_give_lapsed_quota(api_as, entry_body, demo):
    """Seed 001 Art 15: works completed before 2017-01-01 give quota valid five years from 2017-01-01, i.e. until
    2021-12-31; filed now, it has lapsed and is refused (it would otherwise count as eligible for years)."""
    old = entry_body(items=[{"pollutant": "SO2", "accounting_method": "declared", "quantity": "42.5",
                             "completion_date": "2016-08-15", "accounting_basis": "2016年验收监测报告"}])
    response = api_as("ent_qilin").post(URL, old, format="json")
    assert response.status_code == 400
    message = response.json()["items[0].completion_date"][0] if "items[0].completion_date" in response.json() else \
        str(response.json())
    assert "2021-12-31" in message and "第十五条" in message
    recent = entry_body(items=[{"pollutant": "SO2", "accounting_method": "declared", "quantity": "42.5",
                                "completion_date": "2017-01-01", "accounting_basis": "2017年验收监测报告"}])
    assert api_as("ent_qilin").post(URL, recent, format="json").status_code == 201


@pytest.mark.parametrize("causes", [["lower_load"], ["idle_without_shutdown", "part_time_clean_energy"]])
def test_a_non_creditable_cause_cannot_be_approved(filed, api_as, as_user, causes):
    """Seed 001 guide Art 14: lower load, idling, fuel changes without process change, part-time treatment or clean
    energy never make creditable quota. The applicant declares the cause, the reviewers see it, no approval passes."""
    data = filed(upto="submitted", non_creditable_causes=causes)
    page = as_user("county_qilin").get(f"/entries/{data['id']}/").content.decode()
    assert 'data-testid="non-creditable"' in page and "第十四条" in page
    refused = act(api_as("county_qilin"), data["id"], "county-review", decision="approve", opinion="同意")
    assert refused.status_code == 400 and "第十四条" in str(refused.json())
    assert EntryApplication.objects.get(pk=data["id"]).status == "submitted"
    assert act(api_as("county_qilin"), data["id"], "county-review", decision="return",
               opinion="削减来自降低负荷，不予认定").status_code == 200


def test_an_unknown_cause_is_refused(api_as, entry_body):
    response = api_as("ent_qilin").post(URL, entry_body(non_creditable_causes=["weather"]), format="json")
    assert response.status_code == 400 and "non_creditable_causes" in response.json()


@pytest.mark.parametrize(("dates", "fixed"), [
    ({"other": "2026-05-20", "acceptance_monitoring": "2026-04-11", "acceptance_approval": "2026-06-02"},
     ("acceptance_approval", "2026-06-02")),
    ({"trial_run_168h": "2026-03-08", "other": "2026-02-01"}, ("trial_run_168h", "2026-03-08")),
    ({"ministry_recognised": "2025-12-30", "acceptance_monitoring": "2026-01-15"}, ("ministry_recognised", "2025-12-30")),
])
def test_the_best_evidence_fixes_the_completion_date(api_as, entry_body, dates, fixed):
    """Seed 001 guide Art 12: acceptance approval, then the ministry's date, then the acceptance monitoring report,
    then the end of the 168-hour trial run, then other evidence: the date used is the best evidence's."""
    code, day = fixed
    wrong = next(d for c, d in dates.items() if c != code)
    item = {"pollutant": "SO2", "accounting_method": "declared", "quantity": "12", "accounting_basis": "监测报告"}
    refused = api_as("ent_qilin").post(URL, entry_body(evidence_dates=dates, items=[dict(item, completion_date=wrong)]),
                                       format="json")
    assert refused.status_code == 400 and day in refused.json()["items[0].completion_date"][0]
    created = api_as("ent_qilin").post(URL, entry_body(evidence_dates=dates, items=[dict(item, completion_date=day)]),
                                       format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["completion_evidence"] == code


@pytest.mark.parametrize(("field", "value"), [
    ("evidence_dates", ["2026-01-01"]), ("evidence_dates", {"acceptance_approval": {"y": 2026}}),
    ("non_creditable_causes", [{"cause": "lower_load"}]), ("non_creditable_causes", "lower_load"),
])
def test_malformed_evidence_and_causes_are_a_400_naming_the_field(api_as, entry_body, field, value):
    response = api_as("ent_qilin").post(URL, entry_body(**{field: value}), format="json")
    assert response.status_code == 400 and any(k.startswith(field) for k in response.json())
