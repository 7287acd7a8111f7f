from django.contrib import admin

from quota_registry.admin_base import ReadOnlyAdmin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["uploaded_at", "original_name", "mime_type", "size", "organisation", "uploaded_by"]
    search_fields = ["original_name", "sha256", "organisation__name"]
