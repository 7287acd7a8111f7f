from django.contrib import admin

from quota_registry.admin_base import ReadOnlyAdmin

from .models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "kind", "title", "version", "status", "sha256", "attempts"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "sha256"]
