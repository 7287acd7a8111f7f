from django.contrib import admin

from quota_registry.admin_base import AuditedModelAdmin

from .models import Witness


@admin.register(Witness)
class WitnessAdmin(AuditedModelAdmin):
    """The parties whose cosignatures of the public log's checkpoints the portal accepts and publishes."""

    list_display = ["name", "key", "active", "added_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # a witness is deactivated, never deleted: its cosignatures stay
