from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=4, default_retry_delay=5)
def render_document(self, document_id: int) -> str:
    """Thin entry point: renders once (idempotent), retries on failure, marks the document failed at the end."""
    try:
        return services.document_render(document_id)
    except Exception as exc:  # noqa: BLE001 - any renderer error is retried, then recorded on the document
        if self.request.retries >= self.max_retries or self.request.is_eager:
            services.document_failed(document_id, f"{type(exc).__name__}: {exc}")
            if self.request.is_eager:
                return "failed"
            raise
        raise self.retry(exc=exc) from exc
