from quota_registry import outbox
from quota_registry.celery import portal_task


@portal_task(max_retries=0)  # runs every minute anyway
def sweep_outbox(self) -> dict:
    return outbox.sweep()
