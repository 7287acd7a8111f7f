import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quota_registry.settings.local")

app = Celery("quota_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
