import pytest
from django.core import mail
from django.db import transaction

from quota_registry.notifications.models import Notification
from quota_registry.notifications.services import notification_email, notification_mark_read, notify


def test_email_is_sent_after_commit_only(demo, django_capture_on_commit_callbacks):
    user = demo["ent_qilin"]
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[user, user], subject="入库申请已退回", body="请补充材料", link="/home/")
    assert Notification.objects.filter(recipient=user, subject="入库申请已退回").count() == 1  # de-duplicated
    assert [m.subject for m in mail.outbox] == ["入库申请已退回"]
    assert mail.outbox[0].to == [user.email] and "/home/" in mail.outbox[0].body
    n.refresh_from_db()
    assert n.emailed_at is not None


def test_rolled_back_change_notifies_nobody(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipients=[demo["ent_qilin"]], subject="不应发送")
            raise RuntimeError("decision failed")
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(subject="不应发送").exists()


def test_email_is_sent_once_even_when_the_task_runs_twice(demo):
    (n,) = notify(recipients=[demo["ent_huize"]], subject="提醒")
    assert notification_email(notification_id=n.pk) is True
    assert notification_email(notification_id=n.pk) is False
    assert len(mail.outbox) == 1


def test_inbox_page_and_mark_read(as_user, demo):
    notify(recipients=[demo["ent_xuanwei"]], subject="请在30个工作日内申请变更排污许可证")
    client = as_user("ent_xuanwei")
    html = client.get("/notifications/?unread=1").content.decode()
    assert "请在30个工作日内申请变更排污许可证" in html
    client.post("/notifications/read/", {"next": "https://evil.example/"})
    assert not Notification.objects.filter(recipient=demo["ent_xuanwei"], read_at__isnull=True).exists()


def test_mark_read_api_touches_only_own_rows(api_as, demo):
    (mine,) = notify(recipients=[demo["ent_qilin"]], subject="mine")
    (theirs,) = notify(recipients=[demo["ent_huize"]], subject="theirs")
    response = api_as("ent_qilin").post("/api/v1/notifications/mark-read/", {"ids": [mine.pk, theirs.pk]},
                                        format="json")
    assert response.json() == {"marked": 1}
    assert notification_mark_read(actor=demo["ent_huize"], notification_ids=[theirs.pk]) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_email_goes_through_a_real_worker_and_redis(celery_on_redis):
    """The task travels through the Redis broker to a worker; nothing runs in-process."""
    import time

    from celery.contrib.testing.worker import start_worker

    from quota_registry.orgs.models import User
    from tests.conftest import _ensure_demo

    _ensure_demo()
    user = User.objects.get(username="ent_qilin")
    with transaction.atomic():
        (n,) = notify(recipients=[user], subject="经由Redis发送")
    time.sleep(0.5)
    n.refresh_from_db()
    assert n.emailed_at is None  # no worker yet: the message waits in Redis
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            n.refresh_from_db()
            if n.emailed_at:
                break
            time.sleep(0.1)
    assert n.emailed_at is not None
    assert any(m.subject == "经由Redis发送" for m in mail.outbox)


def test_a_web_process_sends_every_apps_tasks_by_name(tmp_path):
    """A task is enqueued by its name (outbox.send_now); a web process imports no app's tasks module of its own accord
    (a worker does at start), and the one-ledger's refresh after a transfer was refused as unknown there. Run in a
    fresh process: this one has imported every tasks module long ago."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import django; django.setup()\n"
              "from celery import current_app\n"
              "from quota_registry.outbox import send_now\n"
              "name = 'reserve.tasks.refresh_one_ledger'\n"
              "assert name not in current_app.tasks, 'already imported: the test proves nothing'\n"
              "assert send_now(name)\n"
              "print('sent')\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "quota_registry.settings.local",  # sent to an in-memory broker
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "", "CELERY_TASK_ALWAYS_EAGER": "false"}
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "sent" in result.stdout, result.stderr[-2000:]
