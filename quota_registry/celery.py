import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quota_registry.settings.local")

app = Celery("quota_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def transient_errors() -> tuple:
    """Errors a task is retried after, because the next attempt may succeed: the database or the broker was
    briefly unreachable (restart, failover, a terminated connection), a network hiccup."""
    import kombu.exceptions
    import redis.exceptions
    from django.db import InterfaceError, OperationalError

    return (OperationalError, InterfaceError, kombu.exceptions.OperationalError, redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError, ConnectionError, TimeoutError)


def portal_task(**options):
    """Every task of the portal: acknowledged after it ran (a killed worker's task is delivered again), retried
    with growing pauses (up to about 10 minutes) on transient database and broker errors. The tasks are
    idempotent, so running one twice does the work once."""
    from celery import shared_task

    defaults = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "autoretry_for": transient_errors(),
                "retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 8}
    return shared_task(**{**defaults, **options})
