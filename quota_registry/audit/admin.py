from django.contrib import admin

from quota_registry.admin_base import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is appended to by services, never edited."""

    list_display = ["created_at", "actor_name", "organisation_name", "role", "action", "object_repr", "request_id"]
    list_filter = ["action", "role", "content_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id", "opinion"]
    date_hierarchy = "created_at"
