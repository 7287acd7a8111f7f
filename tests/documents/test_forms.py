"""The official forms: rendered by the one document task, CJK font embedded, title, applicant and the
recorded opinions come back out of the PDF; idempotent; versions kept; downloads scoped."""
import shutil
import subprocess
import time

import pytest
from django.db import transaction
from django.utils import timezone

from quota_registry.documents.models import Document, DocumentStatus
from quota_registry.documents.services import document_render, latest_documents
from reserve.models import EntryApplication, WithdrawalApplication


def pdf_text_and_fonts(document):
    path = document.file.path
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split()), fonts  # table cells wrap: compare without any white space


@pytest.fixture(autouse=True)
def poppler():
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils is not installed (make test installs it)")


def render_latest(subject, kind):
    document = next(d for d in latest_documents(subject) if d.kind == kind)
    assert document_render(document.pk) == DocumentStatus.READY
    document.refresh_from_db()
    return document


def test_annex3_for_an_entry(filed, demo):
    data = filed(upto="approved")
    application = EntryApplication.objects.get(pk=data["id"])
    document = render_latest(application, "annex3")
    text, fonts = pdf_text_and_fonts(document)
    assert "CJK" in fonts and " yes " in fonts.splitlines()[2]  # embedded
    assert "主要污染物总量指标入库登记表" in text.replace(" ", "")
    assert demo["ent_qilin"].organisation.name in text.replace(" ", "")
    assert application.number in text and "同意上报" in text and "同意入库" in text
    # each box says what was decided in the step's words, and the city box shows the preparatory review too
    assert "初审同意（已上报市局）" in text and "批准入库" in text and "已批准。" not in text
    assert "核算无误，建议同意" in text and "经办人" in text
    assert "第1页共1页" in text  # the form fits one page: no box left alone on a second page
    # the receipt of the approval's ledger transaction in the public log, with its QR code (issue 17)
    from django.contrib.contenttypes.models import ContentType

    from ledger.models import LedgerTransaction, LogLeaf

    issued = LedgerTransaction.objects.filter(subject_type=ContentType.objects.get_for_model(application),
                                              subject_id=application.pk).order_by("-sequence").first()
    leaf = LogLeaf.objects.get(transaction=issued)
    assert f"公开日志第{leaf.index}号叶子（台账记录#{issued.sequence}）" in text and "扫码核验" in text
    assert len(document.sha256) == 64 and document.size > 1000


def test_annex4_and_annex5_for_a_withdrawal(api_as, make_lot, demo):
    make_lot("50", pollutant="PB", enterprise="ent_huize")
    client = api_as("ent_huize")
    created = client.post("/api/v1/withdrawal-applications/", {
        "project": {"name": "会泽铅锌冶炼技改项目", "industry": "3212", "eia_authority": "曲靖市生态环境局"},
        "items": [{"pollutant": "PB", "new_emission": "10"}],
        "plan": [{"pollutant": "PB", "quantity": "2", "source": "会泽县城区", "measure": "淘汰落后产能",
                  "responsible_party": "会泽县人民政府", "deadline": "2027-06-30"}]}, format="json").json()
    url = f"/api/v1/withdrawal-applications/{created['id']}/"
    for user, path, data in (("ent_huize", "submit", {}),
                             ("county_huize", "county-review", {"decision": "approve", "opinion": "同意上报"}),
                             ("city_reviewer", "city-prepare", {"opinion": "比例与来源无误，建议同意"}),
                             ("city_approver", "city-review", {"decision": "approve", "opinion": "同意出库"})):
        response = api_as(user).post(url + path + "/", data, format="json")
        assert response.status_code == 200, (path, response.json())
    application = WithdrawalApplication.objects.get(pk=created["id"])
    annex4 = render_latest(application, "annex4")
    text4, fonts4 = pdf_text_and_fonts(annex4)
    flat4 = text4.replace(" ", "")
    assert "CJK" in fonts4 and "主要污染物总量指标企业申请及出库确认表" in flat4
    assert demo["ent_huize"].organisation.name in flat4 and "1.2:1" in text4 and "12.0000" in text4
    assert "初审同意（已上报市局）" in flat4 and "批准出库" in flat4 and "比例与来源无误，建议同意" in flat4
    assert "第1页共1页" in flat4
    annex5 = render_latest(application, "annex5")
    flat5 = pdf_text_and_fonts(annex5)[0].replace(" ", "")
    assert "新增主要污染物区域削减方案" in flat5 and "会泽县人民政府" in flat5 and "淘汰落后产能" in flat5


def test_rendering_twice_renders_once(filed):
    data = filed(upto="draft")
    document = next(d for d in latest_documents(EntryApplication.objects.get(pk=data["id"])) if d.kind == "annex3")
    document_render(document.pk)
    document.refresh_from_db()
    first = (document.sha256, document.file.name, document.attempts)
    assert document_render(document.pk) == "ready"
    document.refresh_from_db()
    assert (document.sha256, document.file.name, document.attempts) == first


def render_pending():
    """What the worker does right after each commit."""
    for pk in Document.objects.filter(status="pending").values_list("pk", flat=True):
        document_render(pk)


def test_every_decision_makes_a_new_version_and_keeps_the_old(api_as, entry_body):
    client, url = api_as("ent_qilin"), "/api/v1/entry-applications/"
    pk = client.post(url, entry_body(), format="json").json()["id"]
    steps = [(client, "evidence", None), (client, "submit", {}),
             (api_as("county_qilin"), "county-review", {"decision": "approve", "opinion": "同意上报"}),
             (api_as("city_reviewer"), "city-prepare", {"opinion": "核算无误"}),
             (api_as("city_approver"), "city-review", {"decision": "approve", "opinion": "同意入库"})]
    for who, path, body in steps:
        render_pending()
        if body is None:
            from tests.reserve.conftest import pdf

            who.post(f"{url}{pk}/evidence/", {"files": [pdf()]}, format="multipart")
        else:
            assert who.post(f"{url}{pk}/{path}/", body, format="json").status_code == 200
    versions = Document.objects.filter(subject_id=pk, kind="annex3").order_by("version")
    # created, submitted, county and city decisions: each a version, all kept; the city's preparatory review is not
    # on the form (its boxes are the county's and the city's opinions), so it makes none
    assert [d.version for d in versions] == [1, 2, 3, 4]
    assert [d.status for d in versions][:-1] == ["ready"] * 3
    assert client.get(f"{url}{pk}/").json()["documents"][0]["version"] == 4


def test_changes_while_a_form_waits_join_its_render(api_as, entry_body, django_capture_on_commit_callbacks):
    """100 quick edits of a draft queue one render of its form, not 100; a change after the render has begun
    gets a version of its own (so the form always ends up showing the last change)."""
    client, url = api_as("ent_qilin"), "/api/v1/entry-applications/"
    pk = client.post(url, entry_body(), format="json").json()["id"]
    with django_capture_on_commit_callbacks() as queued:
        for n in range(100):
            assert client.patch(f"{url}{pk}/", {"measure_description": f"第{n}次修改"}, format="json").status_code == 200
    assert queued == []  # nothing more was queued: the waiting version takes every change
    versions = Document.objects.filter(subject_id=pk, kind="annex3").order_by("version")
    assert [(d.version, d.status) for d in versions.all()] == [(1, "pending")]
    first = versions.first()
    Document.objects.filter(pk=first.pk).update(started_at=timezone.now())  # a worker has begun it
    with django_capture_on_commit_callbacks() as queued:
        assert client.patch(f"{url}{pk}/", {"measure_description": "开始渲染后的修改"}, format="json").status_code == 200
    assert len(queued) == 1 and [d.version for d in versions.all()] == [1, 2]
    assert document_render(first.pk) == "busy"  # a duplicate message while it renders does nothing


def test_a_failing_renderer_marks_the_document_failed(filed, monkeypatch):
    from quota_registry.documents import services
    from quota_registry.documents.tasks import render_document

    data = filed(upto="draft")
    document = Document.objects.filter(subject_id=data["id"], kind="annex3").last()
    monkeypatch.setitem(services.RENDERERS, "annex3", lambda d: (_ for _ in ()).throw(OSError("disk full")))
    assert render_document.apply(args=[document.pk]).get() == "failed"
    document.refresh_from_db()
    assert document.status == "failed" and "disk full" in document.error


def test_downloads_are_scoped(filed, as_user):
    data = filed(upto="submitted")
    document = render_latest(EntryApplication.objects.get(pk=data["id"]), "annex3")
    url = f"/documents/{document.pk}/download/"
    response = as_user("ent_qilin").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert as_user("county_qilin").get(url).status_code == 200
    assert as_user("ent_huize").get(url).status_code == 404
    assert as_user("county_huize").get(url).status_code == 404
    assert as_user("ent_huize").get(f"/api/v1/documents/{document.pk}/").status_code == 404
    api = as_user("ent_qilin").get(f"/api/v1/documents/{document.pk}/").json()
    assert api["status"] == "ready" and api["download_url"] == url and len(api["sha256"]) == 64


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_renders_a_form(celery_on_redis):
    from celery.contrib.testing.worker import start_worker

    from quota_registry.orgs.models import User
    from reserve.entries import entry_create
    from tests.conftest import _ensure_demo

    _ensure_demo()
    ent = User.objects.get(username="ent_qilin")
    with transaction.atomic():
        application = entry_create(actor=ent, data={"source_kind": "reduction", "measure": "treatment"},
                                   items=[{"pollutant": "SO2", "quantity": "5", "completion_date": "2026-01-05"}])
    document = Document.objects.get(subject_id=application.pk, kind="annex3")
    assert document.status == "pending"  # committed, not rendered in-process
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            document.refresh_from_db()
            if document.status != "pending":
                break
            time.sleep(0.2)
    assert document.status == "ready", document.error
    assert "主要污染物总量指标入库登记表" in pdf_text_and_fonts(document)[0].replace(" ", "")
