from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from quota_registry.admin_base import AuditedModelAdmin

from .models import Organisation, Restriction, User


@admin.register(Restriction)
class RestrictionAdmin(AuditedModelAdmin):
    """The city's list of enterprises and counties that get no new quota until rectified (kept, never deleted)."""

    list_display = ["kind", "organisation", "region", "reason", "source", "valid_from", "valid_until", "lifted_on"]
    list_filter = ["kind", "region"]
    search_fields = ["organisation__name", "reason", "source"]
    autocomplete_fields = ["organisation"]

    def has_add_permission(self, request):
        return False  # entered on the list's page (reserve:restriction-new), audited

    def has_change_permission(self, request, obj=None):
        return False  # lifted through the workflow engine, with the reason

    def has_delete_permission(self, request, obj=None):
        return False  # lifted with a date and a reason, never deleted


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "credit_code", "region", "industry", "management_category", "is_active"]
    list_filter = ["kind", "region", "management_category", "is_active"]
    search_fields = ["name", "credit_code", "permit_number"]
    autocomplete_fields = ["industry"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Organisation and role"), {"fields": ("organisation", "role", "phone")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Organisation and role"), {"fields": ("organisation", "role")}),)
