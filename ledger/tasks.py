from quota_registry.celery import portal_task


@portal_task()
def publish_checkpoint(self) -> int:
    """Every 30 seconds: the new ledger transactions into the public log, and a signed checkpoint."""
    from . import log

    return log.publish_checkpoint().tree_size


@portal_task()
def reconcile_log(self) -> list[str]:
    """Nightly: every leaf and node of the public log against the ledger; a difference alerts the city administrators
    and is shown on the public page."""
    from . import log

    return log.reconcile_and_report()
