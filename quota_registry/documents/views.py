from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.utils.translation import gettext as _

from .selectors import visible_documents


@login_required
def download(request, pk):
    """Downloads are scoped like the object the document is about (404 outside)."""
    document = visible_documents(request.user).filter(pk=pk).first()
    if document is None or document.status != "ready":
        raise Http404(_("No such document, or it is not ready."))
    filename = f"{document.title}（第{document.version}版）.{document.format}"
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=filename)


@login_required
def status(request, pk):
    """For the page's progress display: polled until the document is ready or failed."""
    document = visible_documents(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    return JsonResponse({"id": document.pk, "status": document.status, "error": document.error,
                         "download_url": f"/documents/{document.pk}/download/" if document.status == "ready" else None})
