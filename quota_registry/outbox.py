"""The outbox: work that must happen after a commit (render a document, send an e-mail, check or write a big
import) is first a row in the database — a pending Document, a Notification not yet e-mailed, an ImportBatch
being checked — and only then a Celery message.

Each such row carries a lease, the time its message was handed to the broker (`enqueued_at`, or
`email_enqueued_at`): set when the row is written, because the message is sent when the transaction commits;
cleared when the broker refused it.

- `enqueue_after_commit` sends the message when the transaction commits; if the broker is down the commit
  still stands (the row is saved), the failure is logged, not raised to the user, and the lease is cleared.
- `sweep` (celery beat, every minute; `manage.py sweep_outbox` by hand) re-sends a row's message only when it
  is not queued: never sent (no lease, older than GRACE), or sent so long ago (LEASE) that the message or
  the worker running it was lost. It claims the row first (an UPDATE on the lease it read), so two sweepers
  never send the same row twice, and a queue that is merely long is not filled again and again.
The tasks are idempotent, so a message delivered twice does the work once.
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)
GRACE = datetime.timedelta(seconds=60)
LEASE = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Box:
    """One kind of outbox row: which model, which task (by name) does the work, which rows wait for it, and the
    row's lease field and creation time."""

    name: str
    model: type
    task: str
    pending: Q
    lease_field: str
    created_field: str


BOXES: list[Box] = []


def register(box: Box) -> None:
    """Called by the apps that own the rows (documents, notifications) when Django starts."""
    BOXES.append(box)


def _clear_lease(lease) -> None:
    if lease is None:
        return
    model, pk, field = lease
    try:
        model.objects.filter(pk=pk).update(**{field: None})
    except Exception:  # noqa: BLE001 - the sweeper finds the row by its age instead
        log.warning("could not clear the lease of %s %s", model.__name__, pk, exc_info=True)


def send_now(task: str, *args, lease=None) -> bool:
    """Hand one message for the task named `task` to the broker; on failure clear the row's lease so that the
    sweeper sends it later. (Tasks are named, not imported: the apps' services enqueue their own tasks without
    importing them, and the tasks import the services.)"""
    from celery import current_app

    try:
        if task not in current_app.tasks:  # the apps' tasks modules: a worker imports them at start, a web process not
            current_app.loader.import_default_modules()
        current_app.tasks[task].delay(*args)
        return True
    except Exception:  # noqa: BLE001 - a broker outage must not undo or fail a committed change
        log.warning("broker unavailable: %s%s stays in the outbox for the sweeper", task, args, exc_info=True)
        _clear_lease(lease)
        return False


def enqueue_after_commit(task: str, *args, lease=None) -> None:
    """Send the task named `task` with `args` when the current transaction commits. `lease`: (model, pk, lease
    field) of the outbox row, cleared if the broker refuses the message."""
    transaction.on_commit(lambda: send_now(task, *args, lease=lease))


def _resend(box: Box, *, now, older_than, lease) -> int:
    """Re-send the pending rows of a box whose message is not queued; returns how many were sent."""
    field, created = box.lease_field, box.created_field
    due = box.pending & (Q(**{f"{field}__isnull": True, f"{created}__lt": now - older_than})
                         | Q(**{f"{field}__lt": now - lease}))
    sent = 0
    for pk, old in box.model.objects.filter(due).values_list("pk", field):
        claim = box.model.objects.filter(pk=pk, **({f"{field}__isnull": True} if old is None else {field: old}))
        if claim.update(**{field: now}) and send_now(box.task, pk, lease=(box.model, pk, field)):
            sent += 1
    return sent


def sweep(*, older_than: datetime.timedelta = GRACE, lease: datetime.timedelta = LEASE) -> dict:
    """Re-send what is waiting and not queued. Returns how many of each task were re-sent."""
    now = timezone.now()
    counts: dict[str, int] = {}
    for box in BOXES:
        counts[box.name] = counts.get(box.name, 0) + _resend(box, now=now, older_than=older_than, lease=lease)
    return counts
