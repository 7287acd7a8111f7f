from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReserveConfig(AppConfig):
    name = "reserve"
    verbose_name = _("Reserve pool")

    def ready(self):
        from . import documents, entries, exports, imports, public, reports, withdrawals, workflows  # noqa: F401  (kinds, renderers)

        public.watch_shown_models()
