from django.urls import path

from . import views

app_name = "carbon"

urlpatterns = [
    path("carbon/", views.unit_list, name="units"),
    path("carbon/units/new/", views.unit_new, name="unit-new"),
    path("carbon/units/<int:pk>/", views.unit_detail, name="unit"),
    path("carbon/units/<int:pk>/act/", views.unit_act, name="unit-act"),
    path("carbon/units/<int:pk>/reports/new/", views.report_new, name="report-new"),
    path("carbon/units/<int:pk>/allowances/new/", views.allowance_new, name="allowance-new"),
    path("carbon/units/<int:pk>/surrenders/new/", views.surrender_new, name="surrender-new"),
    path("carbon/reports/<int:pk>/", views.report_detail, name="report"),
    path("carbon/reports/<int:pk>/act/", views.report_act, name="report-act"),
    path("public/carbon/", views.disclosure, name="disclosure"),
    path("carbon/providers/", views.provider_list, name="providers"),
    path("carbon/providers/new/", views.provider_new, name="provider-new"),
    path("carbon/providers/<int:pk>/", views.provider_detail, name="provider"),
]
