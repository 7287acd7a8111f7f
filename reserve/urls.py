from django.urls import path

from . import views

app_name = "reserve"

urlpatterns = [
    path("entries/", views.entry_list, name="entries"),
    path("entries/new/", views.entry_edit, name="entry-new"),
    path("entries/<int:pk>/", views.entry_detail, name="entry-detail"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/act/", views.entry_act, name="entry-act"),
    path("precheck/", views.precheck, name="precheck"),
    path("guide/<slug:kind>/", views.guide, name="guide"),
    path("withdrawals/", views.withdrawal_list, name="withdrawals"),
    path("withdrawals/new/", views.withdrawal_edit, name="withdrawal-new"),
    path("withdrawals/<int:pk>/", views.withdrawal_detail, name="withdrawal-detail"),
    path("withdrawals/<int:pk>/edit/", views.withdrawal_edit, name="withdrawal-edit"),
    path("withdrawals/<int:pk>/act/", views.withdrawal_act, name="withdrawal-act"),
    path("pool/", views.pool_overview, name="pool"),
    path("lots/", views.lot_list, name="lots"),
    path("lots/<int:pk>/", views.lot_detail, name="lot-detail"),
    path("lots/<int:pk>/act/", views.lot_act, name="lot-act"),
    path("ledger/", views.ledger_list, name="ledger"),
    path("public/", views.public_ledger, name="public-ledger"),
    path("public/lots/", views.public_lots, name="public-lots"),
    path("public/log/verify/", views.log_verify, name="log-verify"),
    path("restrictions/", views.restriction_list, name="restrictions"),
    path("restrictions/new/", views.restriction_new, name="restriction-new"),
    path("restrictions/<int:pk>/", views.restriction_detail, name="restriction-detail"),
    path("restrictions/<int:pk>/act/", views.restriction_act, name="restriction-act"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_new, name="transfer-new"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer-detail"),
    path("transfers/<int:pk>/act/", views.transfer_act, name="transfer-act"),
    path("province/", views.one_ledger, name="one-ledger"),
    path("public/province/", views.public_one_ledger, name="public-one-ledger"),
]
