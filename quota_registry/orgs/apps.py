from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "quota_registry.orgs"
    label = "orgs"
    verbose_name = _("Organisations and users")

    def ready(self):
        from . import imports  # noqa: F401  (registers the enterprise import)
