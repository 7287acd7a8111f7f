
from django.http import FileResponse

from quota_registry.access import get_scoped_or_404
from quota_registry.orgs.authentication import login_or_token_required

from .models import Attachment


@login_or_token_required  # API clients download with their token too
def download(request, pk):
    """The only way to fetch an uploaded file: scoped like its record (404 outside)."""
    attachment = get_scoped_or_404(request.user, Attachment, pk=pk)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
