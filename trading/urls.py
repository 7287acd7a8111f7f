from django.urls import path

from . import views

app_name = "trading"

urlpatterns = [
    path("permit-changes/", views.obligation_list, name="obligations"),
    path("permit-changes/<int:pk>/", views.obligation_detail, name="obligation-detail"),
]
