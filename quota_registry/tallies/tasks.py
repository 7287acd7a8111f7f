from django.db import connection, transaction

from quota_registry.celery import portal_task

from . import sql


@portal_task(max_retries=0)  # runs every five minutes anyway
def compact_tallies(self) -> bool:
    """Fold the counts appended since the last time into one row per table, county and values (sql.compact)."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        return sql.compact(cursor)
