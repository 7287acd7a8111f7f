"""Guidance and nothing lost (issue 15): the service guides, progress steps and the next step after a decision;
every problem of a form at once, in words naming the field and the limit; the pre-check's figures carried into the
application; chosen files kept across a recalculation or an error; the return opinion and the files already given
on the edit page; forms and evidence downloaded with an API token."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from quota_registry.documents.services import document_render, latest_documents
from quota_registry.files.models import Attachment
from quota_registry.reference.models import Industry, Region
from reserve.models import EntryApplication, WithdrawalApplication

from .conftest import pdf

EMPTY_PLAN = {"alloc-TOTAL_FORMS": "0", "alloc-INITIAL_FORMS": "0", "alloc-MIN_NUM_FORMS": "0",
              "alloc-MAX_NUM_FORMS": "50", "plan-TOTAL_FORMS": "0", "plan-INITIAL_FORMS": "0",
              "plan-MIN_NUM_FORMS": "0", "plan-MAX_NUM_FORMS": "30"}


def items(n=1, **rows):
    data = {"items-TOTAL_FORMS": str(n), "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "13"}
    data.update({f"items-0-{k}": v for k, v in rows.items()})
    return data


@pytest.mark.parametrize("kind", ["entry", "withdrawal"])
def test_service_guide_is_public_and_linked_from_its_form(client, as_user, kind):
    html = client.get(reverse("reserve:guide", args=[kind])).content.decode()
    assert "办事指南" in html and "材料清单" in html and "办理流程" in html and "设定依据" in html
    assert "不收费" in html and "必须提交" in html
    form = as_user("ent_huize").get(reverse(f"reserve:{kind}-new")).content.decode()
    assert f'href="{reverse("reserve:guide", args=[kind])}"' in form
    assert client.get("/guide/nothing/").status_code == 404


def test_withdrawal_guide_names_the_commitment_and_the_permit_deadline(client, db):
    html = client.get(reverse("reserve:guide", args=["withdrawal"])).content.decode()
    assert "地方人民政府承诺性文件" in html and "第十五条" in html and "30个工作日" in html


def test_progress_steps_and_the_next_step_after_submitting(filed, as_user, demo):
    data = filed(upto="evidence")
    client = as_user("ent_qilin")
    response = client.post(reverse("reserve:entry-act", args=[data["id"]]), {"action": "submit"}, follow=True)
    html = response.content.decode()
    assert "下一步：由县级生态环境部门办理" in html  # what comes next, and who does it
    progress = html[html.index('data-testid="progress"'):]
    progress = progress[:progress.index("</section>")]
    assert re.search(r'step-done.*填报.*step-current" aria-current="step".*县级初审.*step-todo.*市级审核', progress, re.S)
    assert "由县级生态环境部门办理" in progress and "已 0 个工作日" in progress


def test_every_problem_of_a_form_is_shown_at_once_naming_the_field(as_user, demo):
    response = as_user("ent_huize").post(reverse("reserve:withdrawal-new"), {
        "project_name": "", "region": Region.objects.get(code="530326").pk, "industry": "",
        "eia_authority": "", "stack_height_m": "2000", **items(pollutant="PB", new_emission="1.23456"), **EMPTY_PLAN})
    html = response.content.decode()
    assert response.status_code == 200
    for message in ("请填写“项目名称”。", "请填写“环评审批部门”。", "请填写“项目所属行业（GB/T 4754）”。",
                    "“排气筒高度（米）”不能大于 1000。",
                    "新增排放量最多保留4位小数"):
        assert message in html, message
    assert "该字段是必填项" not in html and "确保该值" not in html and "确认小数" not in html  # no stock wording
    assert not WithdrawalApplication.objects.exists()


def test_precheck_figures_are_carried_into_the_application(as_user, make_lot):
    make_lot("50", pollutant="PB", enterprise="ent_huize")
    client = as_user("ent_huize")
    region, industry = Region.objects.get(code="530326"), Industry.objects.get(code="3212")
    html = client.post(reverse("reserve:precheck"), {
        "region": region.pk, "industry": industry.pk, "stack_height_m": "60", "two_high": "on",
        **items(pollutant="PB", new_emission="10")}).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="carry-to-application"', html).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("reserve:withdrawal-new") + "?")
    form = client.get(link).content.decode()
    assert re.search(r'<option value="PB" selected>', form)
    assert 'name="items-0-new_emission" value="10' in form and 'name="stack_height_m" value="60' in form
    assert re.search(r'name="two_high"[^>]*checked', form)


def test_chosen_files_are_kept_across_a_recalculation(as_user, demo):
    client = as_user("ent_qilin")
    form = {"source_kind": "reduction", "measure": "treatment", "measure_description": "脱硫改造",
            **items(pollutant="SO2", accounting_method="self_treatment", eq="120", max_flow="1000000000",
                    concentration="20", completion_date=(timezone.localdate() - datetime.timedelta(days=9)).isoformat(),
                    accounting_basis="执行报告")}
    html = client.post(reverse("reserve:entry-new"), {**form, "compute": "1",
                                                      "evidence": pdf("验收监测报告.pdf")}).content.decode()
    assert 'data-testid="formula"' in html and "验收监测报告.pdf" in html
    token = re.search(r'name="kept-evidence" value="([0-9a-f]+)"', html).group(1)
    response = client.post(reverse("reserve:entry-new"), {**form, "kept-evidence": token})  # no file chosen again
    assert response.status_code == 302, response.content.decode()[:2000]
    application = EntryApplication.objects.get()
    assert [a.original_name for a in Attachment.objects.filter(object_id=application.pk)] == ["验收监测报告.pdf"]
    # a token of someone else's session is nothing
    other = as_user("ent_qilin").post(reverse("reserve:entry-new"), {**form, "kept-evidence": token, "compute": "1"})
    assert "验收监测报告.pdf" not in other.content.decode()


def test_the_edit_page_after_a_return_shows_the_opinion_and_the_files(filed, as_user, api_as):
    data = filed(upto="submitted")
    response = api_as("county_qilin").post(f"/api/v1/entry-applications/{data['id']}/county-review/",
                                           {"decision": "return", "opinion": "请补充验收监测报告第3页"}, format="json")
    assert response.status_code == 200, response.json()
    html = as_user("ent_qilin").get(reverse("reserve:entry-edit", args=[data["id"]])).content.decode()
    notice = html[html.index('data-testid="return-opinion"'):]
    assert "请补充验收监测报告第3页" in notice[:800] and "退回补正" in notice[:800]
    assert 'data-testid="given-files"' in html and "evidence.pdf" in html


def test_api_clients_download_forms_and_evidence_with_their_token(filed, api_as, client):
    data = filed(upto="evidence")
    application = EntryApplication.objects.get(pk=data["id"])
    document = latest_documents(application)[0]
    document_render(document.pk)
    attachment = Attachment.objects.get(object_id=application.pk)
    owner, stranger = api_as("ent_qilin"), api_as("ent_huize")
    for url in (f"/documents/{document.pk}/download/", reverse("file-download", args=[attachment.pk])):
        assert owner.get(url).status_code == 200, url
        assert stranger.get(url).status_code == 404, url  # scoped like the record
        assert client.get(url, HTTP_AUTHORIZATION="Token wrong").status_code == 401
        assert client.get(url).status_code == 302  # a person is sent to log in


def test_heavy_metal_medium_is_kept_for_the_edit_page(api_as, as_user, entry_body):
    payload = entry_body(items=[{"pollutant": "PB", "accounting_method": "self_treatment",
                                 "accounting_inputs": {"eq": "50", "max_flow": "1000000", "concentration": "0.5",
                                                       "medium": "air"},
                                 "completion_date": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
                                 "accounting_basis": "监测报告"}])
    response = api_as("ent_huize").post("/api/v1/entry-applications/", payload, format="json")
    assert response.status_code == 201, response.json()
    application = EntryApplication.objects.get(pk=response.json()["id"])
    assert application.items.get().accounting_inputs["medium"] == "air"
    html = as_user("ent_huize").get(reverse("reserve:entry-edit", args=[application.pk])).content.decode()
    assert re.search(r'<option value="air" selected>', html)
    assert 'data-heavy-metals="' in html and "PB" in re.search(r'data-heavy-metals="([^"]*)"', html).group(1)


def test_language_menu_names_each_language_in_itself(client, db):
    html = client.get("/").content.decode()
    assert re.search(r'<option value="en"[^>]*>English<', html) and ">英语<" not in html


def test_prices_page_without_prices_says_so(as_user):
    html = as_user("city_approver").get(reverse("trading:prices")).content.decode()
    assert "暂无有效的参考价格" in html and "尚未发布参考价格" in html
    assert 'id="chart-prices"' not in html and "办理记录" not in html



def test_shanxi_time_limit_of_ten_working_days_is_shown_and_tracked(filed, as_user):
    """Seed 003 Art 10: the bureau answers within 10 working days of receiving the application: the progress steps
    show the due day (China's calendar) and say when it is overdue; Qujing's measures set no limit."""
    from quota_registry.review import engine
    from quota_registry.workdays import WorkdayCalendar

    data = filed(upto="submitted")
    application = EntryApplication.objects.get(pk=data["id"])
    assert engine.progress(application)["due"] is None  # Qujing
    EntryApplication.objects.filter(pk=application.pk).update(rule_set="shanxi")
    application.refresh_from_db()
    progress = engine.progress(application)
    due = WorkdayCalendar.load().add_working_days(timezone.localdate(application.submitted_at), 10).date
    assert progress["due"] == due and progress["limit"][0] == 10 and not progress["overdue"]
    html = as_user("ent_qilin").get(reverse("reserve:entry-detail", args=[application.pk])).content.decode()
    assert 'data-testid="time-limit"' in html and due.isoformat() in html and "山西办法第十条" in html
    # submitted 30 days ago: more than 10 working days have passed
    EntryApplication.objects.filter(pk=application.pk).update(
        submitted_at=application.submitted_at - datetime.timedelta(days=30))
    application.refresh_from_db()
    assert engine.progress(application)["overdue"]
