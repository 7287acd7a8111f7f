from django.urls import path

from . import views

app_name = "trading"

urlpatterns = [
    path("permit-changes/", views.obligation_list, name="obligations"),
    path("permit-changes/<int:pk>/", views.obligation_detail, name="obligation-detail"),
    path("permit-changes/<int:pk>/act/", views.obligation_act, name="obligation-act"),
    path("trades/", views.trade_list, name="trades"),
    path("trades/new/", views.trade_new, name="trade-new"),
    path("trades/<int:pk>/", views.trade_detail, name="trade-detail"),
    path("trades/<int:pk>/act/", views.trade_act, name="trade-act"),
    path("trades/<int:pk>/parties/act/", views.party_act, name="party-act"),
    path("trades/<int:pk>/deposits/act/", views.deposit_act, name="deposit-act"),
    path("trades/<int:pk>/live/", views.trade_live, name="trade-live"),
    path("fees/", views.fee_list, name="fees"),
    path("fees/new/", views.fee_new, name="fee-new"),
    path("fees/<int:pk>/", views.fee_detail, name="fee-detail"),
    path("fees/<int:pk>/act/", views.fee_act, name="fee-act"),
    path("pledges/", views.pledge_list, name="pledges"),
    path("pledges/new/", views.pledge_new, name="pledge-new"),
    path("pledges/<int:pk>/", views.pledge_detail, name="pledge-detail"),
    path("pledges/<int:pk>/act/", views.pledge_act, name="pledge-act"),
    path("prices/", views.reference_prices, name="prices"),
    path("market/", views.market, name="market"),
]
