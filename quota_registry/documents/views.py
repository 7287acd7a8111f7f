from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quota_registry.orgs.authentication import login_or_token_required

from .excel import DATASETS, export_request
from .selectors import visible_documents


@login_or_token_required  # API clients download with their token too
def download(request, pk):
    """Downloads are scoped like the object the document is about (404 outside)."""
    document = visible_documents(request.user).filter(pk=pk).first()
    if document is None or document.status != "ready":
        raise Http404(_("No such document, or it is not ready."))
    filename = f"{document.title}（第{document.version}版）.{document.format}"
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=filename)


@login_or_token_required
def status(request, pk):
    """For the page's progress display: polled until the document is ready or failed."""
    document = visible_documents(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    return JsonResponse({"id": document.pk, "status": document.status, "error": document.error,
                         "download_url": f"/documents/{document.pk}/download/" if document.status == "ready" else None})


EXPORT_FILTERS = ("pollutant", "region", "status", "kind", "q", "state", "source_kind")


@login_required
@require_POST
def export_start(request, name):
    """Start an Excel export of a list with the filters it shows; the document page tracks its progress."""
    if name not in DATASETS:
        raise Http404
    filters = {k: v for k, v in request.POST.items() if k in EXPORT_FILTERS and v}
    document = export_request(actor=request.user, name=name, filters=filters)
    return redirect("document-page", pk=document.pk)


@login_required
def document_page(request, pk):
    document = visible_documents(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404(_("No such document, or it is not ready."))
    return render(request, "documents/document.html", {"documents": [document], "document": document})


@login_required
def import_start(request):
    """Upload a spreadsheet: it is checked and previewed; nothing is written yet."""
    from django import forms
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    from quota_registry.access import scope
    from quota_registry.inputs import LabelledErrors

    from .imports import IMPORTERS, import_preview
    from .models import ImportBatch

    kinds = [(name, imp.title) for name, imp in IMPORTERS.items() if imp.allowed(request.user)]
    if not kinds:
        raise PermissionDenied(_("Your role does not allow this import."))

    from . import imports

    class UploadForm(LabelledErrors, forms.Form):
        kind = forms.ChoiceField(label=_("What to import"), choices=kinds)
        file = forms.FileField(label=_("Excel workbook"), help_text=_(
            "An .xlsx file of at most %(size)s and %(rows)s rows; a file of more than %(inline)s rows is checked in "
            "the background and the page shows its progress.") % {
            "size": filesizeformat(imports.MAX_BYTES), "rows": f"{imports.MAX_ROWS:,}", "inline": imports.INLINE_ROWS})

    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_preview(actor=request.user, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"])
            return redirect("import-detail", pk=batch.pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            messages.error(request, _("Nothing was imported."))
    return render(request, "documents/imports.html", {
        "form": form, "importers": [(name, IMPORTERS[name]) for name, _t in kinds],
        "batches": scope(request.user, ImportBatch)[:20]})


@login_required
def import_detail(request, pk):
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    from quota_registry.access import get_scoped_or_404

    from .imports import IMPORTERS, import_commit, import_discard
    from .models import ImportBatch, ImportStatus

    batch = get_scoped_or_404(request.user, ImportBatch, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "commit":
                batch = import_commit(actor=request.user, batch_id=batch.pk)
                if batch.status == ImportStatus.COMMITTED:
                    messages.success(request, _("Imported: every row was written."))
                else:
                    messages.success(request, _("The import has started; this page shows when it is done."))
            else:
                import_discard(actor=request.user, batch_id=batch.pk)
                messages.success(request, _("Discarded: nothing was written."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("import-detail", pk=batch.pk)
    errors = {row: message for row, message in batch.errors}
    columns = IMPORTERS[batch.kind].columns
    # The rows with a problem, then the first of the others: a page of thousands of rows helps nobody.
    shown = [r for r in batch.rows if r["_row"] in errors][:SHOWN_ROWS]
    shown += [r for r in batch.rows if r["_row"] not in errors][:max(0, SHOWN_ROWS - len(shown))]
    rows = [(r["_row"], [r.get(c, "") for c in columns], errors.get(r["_row"])) for r in shown]
    return render(request, "documents/import_detail.html", {
        "batch": batch, "columns": columns, "rows": rows, "title": IMPORTERS[batch.kind].title,
        "total": len(batch.rows), "hidden": len(batch.rows) - len(rows),
        "working": batch.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING)})


SHOWN_ROWS = 200


@login_required
def import_template(request, kind):
    """An empty workbook with the expected header row."""
    from django.http import HttpResponse

    from .excel import Column, write_workbook
    from .imports import IMPORTERS

    imp = IMPORTERS.get(kind)
    if imp is None or not imp.allowed(request.user):
        raise Http404
    content = write_workbook([(str(imp.title), [Column(c, 16) for c in imp.columns], [])])
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=import-{kind}.xlsx"
    return response
