from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "quota_registry.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.db.models import Q

        from quota_registry import outbox

        from . import tasks  # noqa: F401  (registered with Celery)
        from .models import Notification
        from .services import EMAIL_TASK

        outbox.register(outbox.Box("emails", Notification, EMAIL_TASK,
                                   Q(emailed_at__isnull=True, email_error="", recipient__email__gt=""),
                                   "email_enqueued_at", "created_at"))
