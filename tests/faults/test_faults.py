"""Broken parts: a broker outage, a worker killed while rendering, a database error mid-decision. In
every case nothing is lost or half-written, and verify_ledger stays clean."""
import datetime
import time
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.db.models import F

from ledger.models import Holding, LedgerTransaction, Movement
from ledger.verification import verify
from quota_registry.audit.models import AuditEntry
from quota_registry.documents.models import Document
from quota_registry.documents.services import document_render
from quota_registry.outbox import LEASE, sweep
from quota_registry.review.models import Review
from reserve.models import Allocation, WithdrawalApplication


def test_a_render_killed_midway_is_rendered_exactly_once_on_retry(filed, monkeypatch, settings):
    from quota_registry.documents import services

    data = filed(upto="draft")
    document = Document.objects.get(subject_id=data["id"], kind="annex3")
    real = services.RENDERERS["annex3"]

    def killed(doc):
        raise SystemExit("worker killed")  # what a SIGKILL looks like from inside: nothing after it runs

    monkeypatch.setitem(services.RENDERERS, "annex3", killed)
    with pytest.raises(SystemExit):
        document_render(document.pk)
    document.refresh_from_db()
    assert (document.status, document.file.name, document.attempts) == ("pending", "", 1)
    monkeypatch.setitem(services.RENDERERS, "annex3", real)
    # The message delivered again (acks_late) finds the render under way and leaves it to it...
    assert document_render(document.pk) == "busy"
    assert sweep(older_than=datetime.timedelta(0))["documents"] == 0  # ...and the sweeper sees it queued
    # until its lease runs out: the killed render is then sent again, and rendered once
    Document.objects.filter(pk=document.pk).update(enqueued_at=F("enqueued_at") - LEASE, started_at=F("started_at") - LEASE)
    assert sweep(older_than=datetime.timedelta(0))["documents"] == 1  # eager: renders now
    document.refresh_from_db()
    assert document.status == "ready" and document.attempts == 2
    first = (document.file.name, document.sha256)
    document_render(document.pk)  # a duplicate delivery of the message changes nothing
    document.refresh_from_db()
    assert (document.file.name, document.sha256, document.attempts) == (*first, 2)


def test_a_database_error_mid_decision_leaves_nothing_half_written(api_as, make_lot, monkeypatch):
    from quota_registry.orgs.models import User
    from quota_registry.review import engine

    lot = make_lot("50", pollutant="PB", enterprise="ent_huize")
    created = api_as("ent_huize").post("/api/v1/withdrawal-applications/", {
        "project": {"name": "故障测试", "industry": "3212", "eia_authority": "曲靖市生态环境局"},
        "items": [{"pollutant": "PB", "new_emission": "10"}]}, format="json").json()
    counts = (LedgerTransaction.objects.count(), Review.objects.count(), AuditEntry.objects.count())
    holdings = dict(Holding.objects.filter(lot=lot).values_list("account_id", "quantity"))
    reached = []

    def broken_movements(objs, *args, **kwargs):
        # inside the ledger effect: the status, review and audit row are written, the allocation is decided, the
        # holdings are updated and the transaction row saved; writing its movements fails
        reached.append([m.quantity for m in objs])
        raise DatabaseError("connection lost")

    monkeypatch.setattr(Movement.objects, "bulk_create", broken_movements)
    with pytest.raises(DatabaseError):
        engine.perform(actor=User.objects.get(username="ent_huize"), model=WithdrawalApplication, pk=created["id"],
                       action="submit")
    assert reached == [[Decimal("12.0000")]]  # it did fail inside the posting of the hold
    monkeypatch.undo()
    application = WithdrawalApplication.objects.get(pk=created["id"])
    assert application.status == "draft" and application.hold_transaction is None
    assert (LedgerTransaction.objects.count(), Review.objects.count(), AuditEntry.objects.count()) == counts
    assert dict(Holding.objects.filter(lot=lot).values_list("account_id", "quantity")) == holdings
    assert not Allocation.objects.filter(item__application=application).exists()
    assert verify().ok


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_broker_down_at_submission_loses_nothing(settings, celery_on_redis):
    """The submission is saved while Redis is unreachable; its form is rendered once Redis is back."""
    from celery.contrib.testing.worker import start_worker
    from rest_framework.test import APIClient

    from quota_registry.orgs.models import User
    from tests.conftest import _ensure_demo, reset_broker_connections
    from tests.reserve.conftest import pdf

    _ensure_demo()
    client = APIClient()
    client.force_authenticate(User.objects.get(username="ent_qilin"))
    created = client.post("/api/v1/entry-applications/", {
        "source_kind": "reduction", "measure": "treatment",
        "items": [{"pollutant": "SO2", "quantity": "5", "completion_date": "2026-01-05"}]}, format="json").json()
    client.post(f"/api/v1/entry-applications/{created['id']}/evidence/", {"files": [pdf()]}, format="multipart")
    first = Document.objects.get(subject_id=created["id"], kind="annex3")
    document_render(first.pk)  # the draft's form is rendered: the next change makes a new version
    redis_url = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there: the broker is down
    settings.CELERY_BROKER_CONNECTION_RETRY = False
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
    reset_broker_connections()
    response = client.post(f"/api/v1/entry-applications/{created['id']}/submit/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    document = Document.objects.filter(subject_id=created["id"], kind="annex3").order_by("-version").first()
    assert document.version == 2 and document.status == "pending"  # in the outbox
    assert document.enqueued_at is None  # the broker refused it: not queued, so the sweeper sends it
    settings.CELERY_BROKER_URL = redis_url  # Redis is back
    settings.CELERY_BROKER_CONNECTION_RETRY = True
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    reset_broker_connections()
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        assert sweep(older_than=datetime.timedelta(0))["documents"] == 1
        assert sweep(older_than=datetime.timedelta(0))["documents"] == 0  # queued now: not sent twice
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and document.status == "pending":
            time.sleep(0.2)
            document.refresh_from_db()
    assert document.status == "ready"
    assert Decimal(str(client.get(f"/api/v1/entry-applications/{created['id']}/").json()["items"][0]["quantity"])) == 5
    with transaction.atomic():
        assert verify().ok
