from quota_registry.celery import portal_task

from . import expiry


@portal_task()
def expire_lots(self) -> dict:
    return {"notified": expiry.notify_expiring(), "expired": expiry.expire_lots()}


@portal_task()
def refresh_one_ledger(self) -> int:
    """Every five minutes: this month's one-ledger summed again, so that no page waits for the sum."""
    from . import province

    return province.refresh_current()


@portal_task()
def scheduled_reports(self) -> list[int]:
    """The 1st of the month: the city's report, and each city's monthly report to the province's one-ledger."""
    from . import province, reports

    province.report_last_month()
    return [d.pk for d in reports.scheduled_reports()]
