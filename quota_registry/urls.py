from csp.decorators import csp_exempt
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from quota_registry.documents import views as document_views
from quota_registry.files.views import download
from quota_registry.portal import otp_views
from quota_registry.portal.forms import LoginForm
from reserve import views as reserve_views

admin.site.site_header = _("Pollutant quota reserve registry: administration")
admin.site.site_title = _("Reserve registry administration")
admin.site.index_title = _("Data maintenance")

urlpatterns = [
    path("", include("quota_registry.portal.urls")),
    path("", include("reserve.urls")),
    path("", include("trading.urls")),
    path("", include("carbon.urls")),
    path("files/<int:pk>/", download, name="file-download"),
    path("documents/<int:pk>/download/", document_views.download, name="document-download"),
    path("documents/<int:pk>/status/", document_views.status, name="document-status"),
    path("documents/<int:pk>/", document_views.document_page, name="document-page"),
    path("exports/<str:name>/", document_views.export_start, name="export-start"),
    path("imports/", document_views.import_start, name="imports"),
    path("reports/", reserve_views.reports, name="reports"),
    path("imports/<int:pk>/", document_views.import_detail, name="import-detail"),
    path("imports/template/<str:kind>/", document_views.import_template, name="import-template"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", otp_views.otp, name="otp"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("quota_registry.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI starts itself with an inline script: the one page the Content-Security-Policy exempts.
    path("api/docs/", csp_exempt()(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]
