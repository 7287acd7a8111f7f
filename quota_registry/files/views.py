from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from quota_registry.access import scope
from quota_registry.orgs.authentication import login_or_token_required

from .models import Attachment
from .selectors import VISIBILITY


@login_or_token_required  # API clients download with their token too
def download(request, pk):
    """The only way to fetch an uploaded file: scoped like its record (404 outside), or readable through the record it
    belongs to where the owning app says so (a bank: the documents of the pledges it holds)."""
    condition = Q(pk__in=scope(request.user, Attachment).values("pk"))
    for extra in VISIBILITY:
        condition |= extra(request.user)
    attachment = Attachment.objects.filter(condition, pk=pk).first()
    if attachment is None:
        raise Http404(_("No such record, or it is not within your area of responsibility."))
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
