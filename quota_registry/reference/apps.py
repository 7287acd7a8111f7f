from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "quota_registry.reference"
    label = "reference"
    verbose_name = _("Reference data")
