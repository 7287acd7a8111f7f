from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        from . import selectors

        for label in ("ledger.Lot", "reference.Pollutant", "reference.Region"):
            selectors.watch(label)
