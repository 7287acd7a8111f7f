from django.contrib import admin

from quota_registry.admin_base import ReadOnlyAdmin

from .models import Review


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject_label", "stage", "action", "actor_name", "organisation_name", "to_status"]
    list_filter = ["stage", "action", "to_status"]
    search_fields = ["subject_label", "actor_name", "opinion"]
