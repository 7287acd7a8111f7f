from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading and permit changes")

    def ready(self):
        from . import exports, prices  # noqa: F401  (the obligations export, the reference-price import)
