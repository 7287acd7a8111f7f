import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quota_registry.settings.production")
application = get_wsgi_application()
# What start-up loaded (Django, the apps, the URL patterns, the catalogues) is kept out of the garbage collector's
# full passes: otherwise every few hundred requests one of them walks it all, and that request takes three times as
# long (a page of the ledger: ~130 ms instead of ~40; docs/benchmarks.md).
gc.freeze()
