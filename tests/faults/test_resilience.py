"""One user, or one broken service, must not stall or break everyone: Redis down, PostgreSQL connections
terminated, a failure after the work, transient errors in tasks, oversized requests and imports."""
import io

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import override_settings

from quota_registry.documents.models import Document, ImportBatch
from reserve.models import EntryApplication

# --- the cache ------------------------------------------------------------------------------------------------

@pytest.mark.redis
def test_public_pages_are_computed_when_the_cache_is_unreachable(client, api, demo, make_lot):
    make_lot("7", pollutant="SO2")
    dead = {"default": {"BACKEND": "quota_registry.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    with override_settings(CACHES=dead):  # Django's test signals give the cache handler the new setting
        assert "127.0.0.1:1" in str(caches["default"]._servers)
        assert client.get("/public/").status_code == 200
        ledger = api.get("/api/v1/public/ledger/")
        assert ledger.status_code == 200 and any(b["pollutant"] == "SO2" for b in ledger.json()["balances"])
        assert api.post("/api/v1/precheck/", {"region": "530302", "industry": "4411", "items": [
            {"pollutant": "SO2", "new_emission": "1"}]}, format="json").status_code == 200


def test_the_resilient_cache_turns_errors_into_misses():
    from quota_registry.cache import ResilientRedisCache

    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2,
                                                                      "socket_timeout": 0.2}})
    assert cache.get("x", "default") == "default"
    assert cache.get_or_set("x", lambda: "computed") == "computed"
    cache.set("x", 1)  # nothing raised
    assert cache.add("x", 1) is False and cache.delete("x") is False


# --- the database -----------------------------------------------------------------------------------------------

def test_a_failure_after_the_work_rolls_the_work_back_and_is_a_503(api_as, filed, monkeypatch):
    """Every request is one transaction: when anything fails before the answer is ready (here the answer's own
    read, as when the connection is terminated), the work is not committed and the client is told so (503) —
    never a 500 for work that did commit."""
    from reserve import api as reserve_api

    data = filed(upto="evidence")

    def connection_lost(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reserve_api.EntryApplicationSerializer, "to_representation", connection_lost)
    response = api_as("ent_qilin").post(f"/api/v1/entry-applications/{data['id']}/submit/")
    assert response.status_code == 503 and "未保存" in response.json()["detail"]
    assert EntryApplication.objects.get(pk=data["id"]).status == "draft"  # rolled back with the request


def test_a_failing_page_request_is_a_503_page_not_a_500(as_user, monkeypatch):
    from quota_registry.portal import views

    def connection_lost(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(views, "_application_counts", connection_lost)
    response = as_user("ent_qilin").get("/home/")
    assert response.status_code == 503 and "未保存" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_terminated_connections_are_replaced_before_the_next_request(settings):
    """With persistent connections (production's CONN_MAX_AGE), a connection the server terminated is found
    unusable at the next request and replaced (CONN_HEALTH_CHECKS), instead of failing that request."""
    import psycopg
    from django.core.wsgi import get_wsgi_application
    from werkzeug.test import Client

    from tests.conftest import _ensure_demo

    _ensure_demo()
    app = Client(get_wsgi_application())
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    try:
        assert app.get("/api/v1/pollutants/").status_code == 200
        pid = connection.connection.info.backend_pid  # the connection the request left open for the next one
        dsn = connection.connection.info.dsn
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(3):
            response = app.get("/api/v1/pollutants/")
            assert response.status_code == 200, response.text[:300]
        assert connection.connection.info.backend_pid != pid
    finally:
        connection.settings_dict.update(CONN_MAX_AGE=0)
        connection.close()


# --- tasks ----------------------------------------------------------------------------------------------------------

def test_the_email_task_retries_a_transient_database_error(demo, monkeypatch, settings):
    from django.core import mail

    from quota_registry.notifications import services
    from quota_registry.notifications.models import Notification
    from quota_registry.notifications.tasks import send_notification_email

    note = Notification.objects.create(recipient=demo["ent_qilin"], subject="提醒", body="x")
    real, calls = services.notification_email, []

    def flaky(*, notification_id):
        calls.append(notification_id)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return real(notification_id=notification_id)

    monkeypatch.setattr(services, "notification_email", flaky)
    # in-process (eager), a retry runs at once instead of after its pause
    assert send_notification_email.apply(args=[note.pk], throw=False).get() is True
    assert len(calls) == 2 and len(mail.outbox) == 1


# --- requests and uploads -------------------------------------------------------------------------------------------

class Exploding(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = read


def test_an_oversized_request_is_refused_before_it_is_read(as_user, api_as, filed, settings):
    data = filed(upto="draft")
    size = str(settings.PORTAL_MAX_REQUEST_BYTES + 1)
    for client, url in ((api_as("ent_qilin"), f"/api/v1/entry-applications/{data['id']}/evidence/"),
                        (as_user("ent_qilin"), f"/entries/{data['id']}/edit/")):
        response = client.generic("POST", url, b"", content_type="multipart/form-data; boundary=x",
                                  CONTENT_LENGTH=size, **{"wsgi.input": Exploding()})
        assert response.status_code == 413, response.content[:200]
        assert "50.0" in response.content.decode() or "50 MB" in response.content.decode()


def test_files_per_request_and_per_record_are_capped(api_as, filed, settings):
    from tests.reserve.conftest import pdf

    data = filed(upto="draft")
    client, url = api_as("ent_qilin"), f"/api/v1/entry-applications/{data['id']}/evidence/"
    response = client.post(url, {"files": [pdf(f"{i}.pdf") for i in range(11)]}, format="multipart")
    assert response.status_code == 400 and "10" in str(response.json())
    settings.PORTAL_MAX_FILES_PER_RECORD = 3
    assert client.post(url, {"files": [pdf("a.pdf"), pdf("b.pdf")]}, format="multipart").status_code == 201
    response = client.post(url, {"files": [pdf("c.pdf"), pdf("d.pdf")]}, format="multipart")
    assert response.status_code == 400 and "3" in str(response.json())


# --- imports --------------------------------------------------------------------------------------------------------

def workbook(rows):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "big.xlsx"
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("big.xlsx", data.getvalue())


def enterprise_rows(n, start=82000000):
    from quota_registry.orgs.credit_code import make_code
    from quota_registry.orgs.imports import COLUMNS

    return [COLUMNS] + [[f"批量导入企业{i}有限公司", make_code("91", "530322", start + i), "陆良县", "2614", "", "重点管理",
                         "", "", ""] for i in range(n)]


def test_a_huge_sheet_is_refused_at_its_row_limit(demo):
    from django.core.exceptions import ValidationError

    from quota_registry.documents.imports import MAX_ROWS, import_preview

    with pytest.raises(ValidationError, match="5,000"):
        import_preview(actor=demo["city_admin"], kind="enterprises", uploaded_file=workbook(enterprise_rows(MAX_ROWS + 1)))
    assert not ImportBatch.objects.exists()


def test_a_big_import_is_checked_and_written_by_the_worker_with_progress(demo, as_user, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    from quota_registry.documents import imports
    from quota_registry.documents.imports import import_commit, import_preview
    from quota_registry.orgs.models import Organisation

    monkeypatch.setattr(imports, "INLINE_ROWS", 20)  # "big" from 21 rows, so that the test writes few
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    n = 45
    with django_capture_on_commit_callbacks() as queued:
        batch = import_preview(actor=demo["city_admin"], kind="enterprises", uploaded_file=workbook(enterprise_rows(n)))
    assert batch.status == "checking" and len(queued) == 1  # nothing checked in the web request
    page = as_user("city_admin").get(f"/imports/{batch.pk}/").content.decode()
    assert 'data-testid="import-progress"' in page and 'http-equiv="refresh"' in page
    for callback in queued:
        callback()  # the worker (eager) checks the rows
    batch.refresh_from_db()
    assert (batch.status, batch.errors, batch.rows_done) == ("previewed", [], n)
    before = Organisation.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_commit(actor=demo["city_admin"], batch_id=batch.pk)
        assert batch.status == "committing"
    batch.refresh_from_db()
    assert batch.status == "committed" and Organisation.objects.count() == before + n


def test_scheduled_and_repeated_report_builds_make_one_version_each(db, capsys):
    from django.core.management import call_command

    call_command("build_report", "--month", "2026-10")
    call_command("build_report", "--month", "2026-10")
    versions = sorted(Document.objects.filter(kind="monthly").values_list("format", "version"))
    assert versions == [("pdf", 1), ("xlsx", 1)]  # built once; the PDF is v1 of the PDF
    call_command("build_report", "--month", "2026-10", "--rebuild")
    versions = sorted(Document.objects.filter(kind="monthly").values_list("format", "version"))
    assert versions == [("pdf", 1), ("pdf", 2), ("xlsx", 1), ("xlsx", 2)]
    assert "v2: ready" in capsys.readouterr().out
    with pytest.raises(Exception, match="YYYY-MM"):
        call_command("build_report", "--month", "2026-13")

