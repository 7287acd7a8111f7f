from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarbonConfig(AppConfig):
    name = "carbon"
    verbose_name = _("Carbon emission rights")

    def ready(self):
        from . import documents, workflows  # noqa: F401  (the engine's kinds, the compliance confirmation's renderer)
