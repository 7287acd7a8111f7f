from quota_registry.celery import portal_task

from . import services


@portal_task()
def send_permit_change_reminders(self) -> dict:
    return services.send_reminders()
