from quota_registry.celery import portal_task, transient_errors

from . import services


@portal_task(autoretry_for=(), max_retries=4, default_retry_delay=5)
def render_document(self, document_id: int) -> str:
    """Thin entry point: renders once (idempotent). A transient database or broker error is retried without
    counting against the document; any other error is retried a few times, then recorded on the document."""
    try:
        return services.document_render(document_id)
    except transient_errors() as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(600, 5 * 2 ** self.request.retries), max_retries=12) from exc
    except Exception as exc:  # noqa: BLE001 - any renderer error is retried, then recorded on the document
        if self.request.retries >= self.max_retries or self.request.is_eager:
            services.document_failed(document_id, f"{type(exc).__name__}: {exc}")
            if self.request.is_eager:
                return "failed"
            raise
        raise self.retry(exc=exc) from exc


@portal_task()
def check_import(self, batch_id: int) -> str:
    """Check an uploaded spreadsheet's rows in the worker, with progress (big uploads)."""
    from . import imports

    return imports.import_check(batch_id=batch_id)


@portal_task()
def commit_import(self, batch_id: int) -> str:
    """Write an import's rows in the worker (big uploads): all or none, once."""
    from . import imports

    return imports.import_write(batch_id=batch_id)
