"""URL map of the portal."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.api import router
from reporting.views import home as home_views

admin.site.site_header = "Social Value Portal administration"
admin.site.site_title = "Social Value Portal admin"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("", include("reporting.urls")),
    path("accounts/", include("charter.auth_urls")),
    path("", include("charter.urls")),
    path("", include("toms.urls")),
    path("", include("commitments.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
