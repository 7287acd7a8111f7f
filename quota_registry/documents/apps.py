from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "quota_registry.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from . import excel  # noqa: F401  (registers the export renderer)
