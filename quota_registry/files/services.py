"""Accepting an uploaded file: the type is decided by the file's content (magic bytes), not its name."""
from __future__ import annotations

import hashlib

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from quota_registry.audit.services import record

from .models import Attachment

# Detected MIME type -> stored extension. Word/Excel: the OOXML formats and the legacy OLE ones.
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/x-ole-storage": "doc",
}


def sniff(head: bytes) -> tuple[str, str] | None:
    """(mime type, extension) from the first bytes, or None when the type is not accepted."""
    kind = filetype.guess(head)
    if kind is None:
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy .doc/.xls
            return "application/x-ole-storage", "doc"
        return None
    if kind.mime in ALLOWED:
        return kind.mime, ALLOWED[kind.mime]
    return None


def attachment_add(*, actor, owner, uploaded_file, purpose: str = "", organisation, region) -> Attachment:
    """Store one evidence file for `owner` (call inside the owner's service, which checks the actor may edit it)."""
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if uploaded_file.size > limit:
        raise ValidationError(_("%(name)s is %(size)s; files may be at most %(limit)s.") % {
            "name": uploaded_file.name, "size": filesizeformat(uploaded_file.size), "limit": filesizeformat(limit)})
    if uploaded_file.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": uploaded_file.name})
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    detected = sniff(head)
    if detected is None:
        raise ValidationError(_("%(name)s is not a PDF, JPEG/PNG image, Word or Excel file (judged by its content, "
                                "not its name).") % {"name": uploaded_file.name})
    mime, extension = detected
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk, organisation=organisation,
        region=region, purpose=str(purpose)[:200], original_name=uploaded_file.name[:200], mime_type=mime,
        extension=extension, size=uploaded_file.size, sha256=digest.hexdigest(), uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(f"x.{extension}", uploaded_file, save=False)
    attachment.save()
    record(actor=actor, action="attachment.add", obj=owner, after={"file": attachment.original_name,
                                                                    "sha256": attachment.sha256, "purpose": purpose})
    return attachment


def attachments_add(*, actor, owner, files, purpose: str = "", organisation, region) -> list[Attachment]:
    """Store the files of one request for `owner`, after checking the limits of a request and of a record:
    at most FILES_PER_REQUEST files, and with what the record has, at most PORTAL_MAX_FILES_PER_RECORD files and
    PORTAL_MAX_BYTES_PER_RECORD bytes. (The request's size is refused before it is read, by
    quota_registry.middleware.InputGuardMiddleware.)"""
    from quota_registry.inputs import FILES_PER_REQUEST

    files = list(files or ())
    if not files:
        return []
    if len(files) > FILES_PER_REQUEST:
        raise ValidationError({"files": _("At most %(n)s files at a time; %(given)s were chosen.") % {
            "n": FILES_PER_REQUEST, "given": len(files)}})
    existing = attachments_of(owner).aggregate(n=Count("pk"), size=Sum("size"))
    count, size = existing["n"] + len(files), (existing["size"] or 0) + sum(f.size for f in files)
    if count > settings.PORTAL_MAX_FILES_PER_RECORD:
        raise ValidationError({"files": _("A record keeps at most %(n)s files; it has %(have)s.") % {
            "n": settings.PORTAL_MAX_FILES_PER_RECORD, "have": existing["n"]}})
    if size > settings.PORTAL_MAX_BYTES_PER_RECORD:
        raise ValidationError({"files": _("A record keeps at most %(limit)s of files; these would make %(size)s.") % {
            "limit": filesizeformat(settings.PORTAL_MAX_BYTES_PER_RECORD), "size": filesizeformat(size)}})
    return [attachment_add(actor=actor, owner=owner, uploaded_file=f, purpose=purpose, organisation=organisation,
                           region=region) for f in files]


def attachments_of(owner):
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk)


class KeptUploads:
    """Files chosen in a form that is shown again (a recalculation, a validation error) are kept on the server for
    this session and listed on the form, and are attached when the form is finally saved: nothing a person chose is
    lost. Only the type is checked here (as on attaching); the limits per record are checked by `attachments_add`.
    A token names a kept file; the session holds the tokens, so nobody can use another person's."""

    SESSION_KEY = "kept_uploads"
    FOLDER = "kept"

    def __init__(self, request, field: str):
        self.request, self.field = request, field
        store = request.session.get(self.SESSION_KEY, {})
        tokens = request.POST.getlist(f"kept-{field}") if request.method == "POST" else []
        self.kept = [dict(store[t], token=t) for t in dict.fromkeys(tokens)
                     if t in store and store[t]["field"] == field]

    def keep(self, files) -> None:
        """Keep newly chosen files of an accepted type (the form is shown again)."""
        import uuid

        from django.core.files.storage import default_storage

        store = self.request.session.setdefault(self.SESSION_KEY, {})
        for f in files or ():
            f.seek(0)
            if sniff(f.read(2048)) is None:
                continue  # the form says why; a refused file is not kept
            f.seek(0)
            token = uuid.uuid4().hex
            path = default_storage.save(f"{self.FOLDER}/{token}", f)
            store[token] = {"field": self.field, "name": f.name[:200], "size": f.size, "path": path,
                            "mime": getattr(f, "content_type", "") or "application/octet-stream"}
            self.kept.append(dict(store[token], token=token))
        self.request.session.modified = True

    def files(self, new=()) -> list:
        """The kept files as uploads, then the newly chosen ones."""
        from django.core.files.storage import default_storage
        from django.core.files.uploadedfile import SimpleUploadedFile

        kept = []
        for k in self.kept:
            with default_storage.open(k["path"]) as stored:
                kept.append(SimpleUploadedFile(k["name"], stored.read(), content_type=k["mime"]))
        return kept + list(new or ())

    def clear(self) -> None:
        """After saving: the kept copies are gone (the attachments hold the files now)."""
        from django.core.files.storage import default_storage

        store = self.request.session.get(self.SESSION_KEY, {})
        for k in self.kept:
            store.pop(k["token"], None)
            default_storage.delete(k["path"])
        self.kept = []
        self.request.session.modified = True
