from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_permit_change_reminders() -> dict:
    return services.send_reminders()
