from celery import shared_task

from . import expiry


@shared_task(acks_late=True)
def expire_lots() -> dict:
    return {"notified": expiry.notify_expiring(), "expired": expiry.expire_lots()}
