from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading and permit changes")

    def ready(self):
        from quota_registry.workdays import CALENDAR_LISTENERS

        from . import exports, prices, services, workflows  # noqa: F401  (exports, imports, the engine's kinds)

        CALENDAR_LISTENERS.append(services.recompute_provisional)
        from . import trades

        CALENDAR_LISTENERS.append(trades.recompute_notice_dues)
