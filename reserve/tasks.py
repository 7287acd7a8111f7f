from quota_registry.celery import portal_task

from . import expiry


@portal_task()
def expire_lots(self) -> dict:
    return {"notified": expiry.notify_expiring(), "expired": expiry.expire_lots()}


@portal_task()
def scheduled_reports(self) -> list[int]:
    from . import reports

    return [d.pk for d in reports.scheduled_reports()]
