from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "quota_registry.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from django.db.models import Q

        from quota_registry import outbox

        from . import excel, tasks  # noqa: F401  (the export renderer; the tasks registered with Celery)
        from .models import Document, DocumentStatus, ImportBatch, ImportStatus
        from .services import RENDER_TASK

        outbox.register(outbox.Box("documents", Document, RENDER_TASK, Q(status=DocumentStatus.PENDING),
                                   "enqueued_at", "requested_at"))
        outbox.register(outbox.Box("imports", ImportBatch, "quota_registry.documents.tasks.check_import",
                                   Q(status=ImportStatus.CHECKING), "enqueued_at", "created_at"))
        outbox.register(outbox.Box("imports", ImportBatch, "quota_registry.documents.tasks.commit_import",
                                   Q(status=ImportStatus.COMMITTING), "enqueued_at", "created_at"))
