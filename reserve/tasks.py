from celery import shared_task

from . import expiry


@shared_task(acks_late=True)
def expire_lots() -> dict:
    return {"notified": expiry.notify_expiring(), "expired": expiry.expire_lots()}


@shared_task(acks_late=True)
def scheduled_reports() -> list[int]:
    from . import reports

    return [d.pk for d in reports.scheduled_reports()]
