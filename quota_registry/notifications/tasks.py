from celery import shared_task

from . import services


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, acks_late=True)
def send_notification_email(self, notification_id: int) -> bool:
    return services.notification_email(notification_id=notification_id)
