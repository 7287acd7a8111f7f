"""The outbox: work that must happen after a commit (render a document, send an e-mail) is first a row
in the database — a pending Document, a Notification not yet e-mailed — and only then a Celery message.

- `enqueue_after_commit` sends the message when the transaction commits; if the broker is down the
  commit still stands (the row is saved) and the failure is logged, not raised to the user.
- `sweep` (celery beat, every minute; `manage.py sweep_outbox` by hand) re-sends the message for every
  row still waiting after a grace period. The tasks are idempotent, so a message sent twice does the
  work once.
"""
from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)
GRACE = datetime.timedelta(seconds=60)


def enqueue_after_commit(task, *args) -> None:
    def send():
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001 - a broker outage must not undo or fail a committed change
            log.warning("broker unavailable: %s%s stays in the outbox for the sweeper", task.name, args, exc_info=True)

    transaction.on_commit(send)


def sweep(*, older_than: datetime.timedelta = GRACE) -> dict:
    """Re-send what is still waiting. Returns how many of each were re-sent."""
    from quota_registry.documents.models import Document, DocumentStatus
    from quota_registry.documents.tasks import render_document
    from quota_registry.notifications.models import Notification
    from quota_registry.notifications.tasks import send_notification_email

    cutoff = timezone.now() - older_than
    counts = {"documents": 0, "emails": 0}
    for pk in Document.objects.filter(status=DocumentStatus.PENDING, requested_at__lt=cutoff).values_list("pk", flat=True):
        render_document.delay(pk)
        counts["documents"] += 1
    waiting = Notification.objects.filter(emailed_at__isnull=True, email_error="", created_at__lt=cutoff,
                                          recipient__email__gt="")
    for pk in waiting.values_list("pk", flat=True):
        send_notification_email.delay(pk)
        counts["emails"] += 1
    return counts
