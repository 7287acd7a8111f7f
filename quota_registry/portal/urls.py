from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_edit, name="organisation-new"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/active/", views.organisation_set_active, name="organisation-set-active"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_mark_read_view, name="notifications-read"),
    path("quality/", views.quality_status, name="quality-status"),
    path("calendar/", views.calendar, name="calendar"),
    path("accounts/tokens/", views.api_tokens, name="api-tokens"),
]
