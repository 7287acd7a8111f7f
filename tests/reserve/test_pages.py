"""The pool's pages: pre-check (public), lists and inboxes, forms with field errors, scope (404)."""
from decimal import Decimal

import pytest
from django.urls import reverse

from quota_registry.reference.models import Industry, Region
from reserve.models import EntryApplication, WithdrawalApplication


@pytest.fixture
def pb_lot(make_lot):
    return make_lot("50", pollutant="PB", enterprise="ent_huize")


def test_precheck_page_without_login(client, pb_lot):
    response = client.post(reverse("reserve:precheck"), {
        "region": Region.objects.get(code="530326").pk, "industry": Industry.objects.get(code="3212").pk,
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "13",
        "items-0-pollutant": "PB", "items-0-new_emission": "10"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="precheck-result"' in html
    assert "1.2:1" in html and "12.0000 kg/a" in html and "50.0000 kg/a" in html and "会泽县为重金属污染防控重点区域" in html


def test_precheck_page_shows_field_errors(client, db):
    response = client.post(reverse("reserve:precheck"), {
        "region": Region.objects.get(code="530326").pk, "industry": Industry.objects.get(code="3212").pk,
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "13",
        "items-0-pollutant": "PB", "items-0-new_emission": "0"})
    html = response.content.decode()
    assert "请更正下列标出的内容" in html and "新增排放量必须大于零" in html


def test_withdrawal_form_computes_ratio_on_save(as_user, pb_lot):
    client = as_user("ent_huize")
    response = client.post(reverse("reserve:withdrawal-new"), {
        "project_name": "技改", "region": Region.objects.get(code="530326").pk,
        "industry": Industry.objects.get(code="3212").pk, "eia_authority": "曲靖市生态环境局",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "13",
        "items-0-pollutant": "PB", "items-0-new_emission": "10",
        "alloc-TOTAL_FORMS": "0", "alloc-INITIAL_FORMS": "0", "alloc-MIN_NUM_FORMS": "0", "alloc-MAX_NUM_FORMS": "50",
        "plan-TOTAL_FORMS": "0", "plan-INITIAL_FORMS": "0", "plan-MIN_NUM_FORMS": "0", "plan-MAX_NUM_FORMS": "30"})
    assert response.status_code == 302, response.content.decode()[:3000]
    application = WithdrawalApplication.objects.get(project_name="技改")
    assert application.items.get().required == Decimal("12.0000")
    html = client.get(response["Location"]).content.decode()
    assert "1.2:1" in html and "提交" in html
    assert as_user("ent_qilin").get(response["Location"]).status_code == 404
    assert as_user("county_qilin").get(response["Location"]).status_code == 404
    assert as_user("county_huize").get(response["Location"]).status_code == 200
    assert as_user("county_huize").get(reverse("reserve:withdrawal-new")).status_code == 403


def test_illegal_decision_in_pages_is_a_clear_message(as_user, filed):
    data = filed(upto="draft")
    client = as_user("city_approver")
    response = client.post(reverse("reserve:entry-act", args=[data["id"]]), {"action": "city_approve"}, follow=True)
    assert "不能进行此操作" in response.content.decode()
    assert EntryApplication.objects.get(pk=data["id"]).status == "draft"


def test_inbox_lists_oldest_first_and_counts_on_home(as_user, filed):
    first = filed(upto="submitted")
    second = filed(upto="submitted")
    client = as_user("county_qilin")
    page = client.get(reverse("reserve:entries")).context["page"]
    assert [a.pk for a in page.object_list] == [first["id"], second["id"]]
    assert client.get(reverse("portal:home")).context["applications"]["awaiting_county"] == 2
    assert as_user("county_huize").get(reverse("reserve:entries")).context["page"].paginator.count == 0


def test_pool_and_ledger_pages_are_for_staff(as_user, filed):
    filed(upto="approved")
    assert as_user("ent_qilin").get(reverse("reserve:pool")).status_code == 403
    assert as_user("ent_qilin").get(reverse("reserve:ledger")).status_code == 403
    assert as_user("county_qilin").get(reverse("reserve:pool")).status_code == 200
    html = as_user("city_reviewer").get(reverse("reserve:ledger")).content.decode()
    assert "入库" in html and 'data-testid="ledger"' in html


def test_entry_form_page_shows_item_errors(as_user, demo):
    response = as_user("ent_qilin").post(reverse("reserve:entry-new"), {
        "source_kind": "reduction", "measure": "treatment",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "13",
        "items-0-pollutant": "SO2", "items-0-accounting_method": "self_treatment", "items-0-eq": "1",
        "items-0-max_flow": "1000000000000", "items-0-concentration": "1", "items-0-completion_date": "2026-01-01"})
    html = response.content.decode()
    assert response.status_code == 200 and "没有形成削减量" in html
    assert not EntryApplication.objects.exists()
