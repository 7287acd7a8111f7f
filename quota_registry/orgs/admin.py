from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from quota_registry.admin_base import AuditedModelAdmin

from .models import Organisation, User


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
