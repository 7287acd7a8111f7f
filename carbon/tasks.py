from quota_registry.celery import portal_task

from . import services


@portal_task()
def carbon_compliance(self) -> dict:
    """Daily: reminders before the surrender deadline, and the credit mark of a unit past it (seed 004 items 4-5)."""
    return {"reminded": services.remind(), "marked": len(services.mark_overdue())}
