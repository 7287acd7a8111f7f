"""Reads that may come from a PostgreSQL read replica (issue 19): the public pages, the public API and the Excel
exports, which read much and write nothing, and may be a few seconds behind the primary.

`DATABASE_REPLICA_URL` names the replica (a streaming replica of the primary: docker-compose.yml runs one); without
it, or with `PORTAL_READ_REPLICA` off, every query goes to the primary. The router sends a read to the replica only
inside `replica_reads()`, which the middleware opens for a GET or HEAD of a public path and the export renderer opens
around its rows; every write, and every read elsewhere, goes to the primary (`default`), so a clerk's page never reads
behind what the clerk has just done. Migrations run on the primary only (the replica copies them)."""
from __future__ import annotations

import contextlib
import contextvars

from django.conf import settings

REPLICA = "replica"
_reads = contextvars.ContextVar("portal_replica_reads", default=False)


def enabled() -> bool:
    return bool(getattr(settings, "PORTAL_READ_REPLICA", False)) and REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads():
    """Within it, reads go to the replica (when there is one)."""
    token = _reads.set(True)
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reads.get() and enabled() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """A GET or HEAD of a public path (settings.PORTAL_REPLICA_PATHS) reads from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.PORTAL_REPLICA_PATHS)

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(self.prefixes) and enabled():
            user = getattr(request, "user", None)
            if user is not None:
                user.is_authenticated  # noqa: B018 - who is asking is read from the primary (a fresh login)
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
