"""The base of every ModelAdmin. Data maintenance is the city administrator's (role city_admin): they
may view, add and change; nobody deletes records that matter there (they are deactivated or corrected
instead), and changes made in the admin are audited like any other change."""
from django.contrib import admin

from quota_registry.audit.services import record, snapshot
from quota_registry.orgs.models import Role


def is_data_maintainer(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or user.role == Role.CITY_ADMIN)


class CityAdminAccess:
    """Role-based admin access instead of per-model permission rows."""

    def has_module_permission(self, request):
        return is_data_maintainer(request)

    def has_view_permission(self, request, obj=None):
        return is_data_maintainer(request)

    def has_add_permission(self, request):
        return is_data_maintainer(request)

    def has_change_permission(self, request, obj=None):
        return is_data_maintainer(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(CityAdminAccess, admin.ModelAdmin):
    """For records written only by services (audit trail, notifications)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(CityAdminAccess, admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            original = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(original) if original else None
        super().save_model(request, obj, form, change)
        model = obj._meta.model_name
        record(actor=request.user, action=f"{model}.{'update' if change else 'create'}.admin", obj=obj,
               before=before, after=snapshot(obj))
