from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReserveConfig(AppConfig):
    name = "reserve"
    verbose_name = _("Reserve pool")

    def ready(self):
        from . import documents, entries, exports, imports, public, reports, withdrawals  # noqa: F401  (hooks, renderers)

        public.watch_shown_models()
