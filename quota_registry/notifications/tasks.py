from quota_registry.celery import portal_task, transient_errors

from . import services


@portal_task(autoretry_for=(*transient_errors(), OSError))  # OSError: the mail server did not answer
def send_notification_email(self, notification_id: int) -> bool:
    return services.notification_email(notification_id=notification_id)
