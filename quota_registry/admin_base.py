"""The base of every ModelAdmin: changes made in the admin are audited like any other change, and
records that matter are never deleted there (they are deactivated or corrected instead)."""
from django.contrib import admin

from quota_registry.audit.services import record, snapshot


class AuditedModelAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            original = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(original) if original else None
        super().save_model(request, obj, form, change)
        model = obj._meta.model_name
        record(actor=request.user, action=f"{model}.{'update' if change else 'create'}.admin", obj=obj,
               before=before, after=snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        return False
