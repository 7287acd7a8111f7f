from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "quota_registry.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
