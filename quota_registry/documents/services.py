"""Requesting and rendering documents. `document_request` writes the record in the caller's transaction
and enqueues the task after commit; `document_render` (the task's body) is idempotent: a document that
is already ready is left alone, so a retried or duplicated task renders it exactly once."""
from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from quota_registry.outbox import LEASE, enqueue_after_commit

from .models import Document, DocumentKind, DocumentStatus

RENDER_TASK = "quota_registry.documents.tasks.render_document"  # by name: the task imports this module

log = logging.getLogger(__name__)

# kind -> function(document) -> bytes; registered by the apps that own the content.
RENDERERS: dict[str, Callable[[Document], bytes]] = {}


def renderer(kind: str):
    def register(fn):
        RENDERERS[kind] = fn
        return fn
    return register


def document_request(*, actor, kind: str, title: str, subject=None, organisation=None, region=None,
                     params: dict | None = None, fmt: str = "pdf") -> Document:
    """A new version of a document, rendered by a worker after the current transaction commits.

    One pending render per subject and kind: while a version of a record's form waits and no worker has begun it,
    a further change of the record joins it instead of queueing another render (the render reads the record
    when it begins, so it shows the latest change). The waiting version is locked here; a worker beginning it
    takes the same lock, and so begins only after this transaction has committed."""
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    versions = Document.objects.filter(subject_type=subject_type, subject_id=getattr(subject, "pk", None), kind=kind,
                                       format=fmt)
    if subject is None:
        versions = versions.filter(params=params or {})
    else:
        waiting = (versions.select_for_update().filter(status=DocumentStatus.PENDING, started_at__isnull=True)
                   .order_by("-version").first())
        if waiting is not None:
            return waiting
    version = (versions.aggregate(v=Max("version"))["v"] or 0) + 1
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    document = Document.objects.create(
        kind=kind, title=title[:200], format=fmt, subject_type=subject_type, subject_id=getattr(subject, "pk", None),
        organisation=organisation, region=region, params=params or {}, version=version,
        requested_by=actor if is_person else None, enqueued_at=timezone.now())
    enqueue_after_commit(RENDER_TASK, document.pk, lease=(Document, document.pk, "enqueued_at"))
    return document


def document_render(document_id: int) -> str:
    """Render one document. Returns its status ("busy" when another worker is rendering it now). Raises on a
    failure that a retry may fix."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status == DocumentStatus.READY:
            return document.status if document else "missing"
        now = timezone.now()
        if document.started_at is not None and document.started_at > now - LEASE:
            return "busy"  # a duplicate message: the render under way finishes it, or the lease runs out
        document.attempts += 1
        document.started_at = now
        document.save(update_fields=["attempts", "started_at"])
    try:
        content = RENDERERS[document.kind](document)  # outside the lock: rendering may take a while
    except Exception:
        Document.objects.filter(pk=document_id).update(started_at=None)  # the retry may begin at once
        raise
    finally:
        # A PDF's layout is a large graph of cyclic objects (about 50-100 MB for a form); collected now, a worker
        # or the web process of `make run` stays at its size instead of growing render after render.
        gc.collect()
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document.status  # a parallel run finished first: keep its file
        document.file.save(f"{document.kind}-{document.pk}-v{document.version}.{document.format}",
                           ContentFile(content), save=False)
        document.sha256, document.size = digest, len(content)
        document.status, document.generated_at, document.error = DocumentStatus.READY, timezone.now(), ""
        document.save()
    return document.status


def document_failed(document_id: int, error: str) -> None:
    Document.objects.filter(pk=document_id).exclude(status=DocumentStatus.READY).update(
        status=DocumentStatus.FAILED, error=error[:2000])


def documents_of(subject):
    return Document.objects.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)


def latest_documents(subject) -> list[Document]:
    """The newest version of each kind for a subject (the page and the API show these)."""
    seen, result = set(), []
    for document in documents_of(subject).order_by("kind", "-version"):
        if document.kind not in seen:
            seen.add(document.kind)
            result.append(document)
    return result


__all__ = ["DocumentKind", "document_request", "document_render", "renderer", "latest_documents"]
