from celery import shared_task

from quota_registry import outbox


@shared_task
def sweep_outbox() -> dict:
    return outbox.sweep()
