"""URL map of the portal."""

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.api import router
from reporting.views import home as home_views

# An unknown address under /api/ answers in JSON, as the API does; elsewhere the portal's 404 page.
handler404 = "config.errors.page_not_found"

admin.site.site_header = "Social Value Portal administration"
admin.site.site_title = "Social Value Portal admin"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("", include("reporting.urls")),
    path("accounts/", include("charter.auth_urls")),
    path("", include("charter.urls")),
    path("", include("toms.urls")),
    path("", include("commitments.urls")),
    # About the service itself (footer links).
    path(
        "accessibility/",
        TemplateView.as_view(
            template_name="pages/accessibility.html", extra_context={"contact_email": settings.CONTACT_EMAIL}
        ),
        name="accessibility",
    ),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path(
        "cookies/",
        TemplateView.as_view(
            template_name="pages/cookies.html", extra_context={"idle_minutes": settings.SESSION_IDLE_MINUTES}
        ),
        name="cookies",
    ),
    path(
        "contact/",
        TemplateView.as_view(template_name="pages/contact.html", extra_context={"contact_email": settings.CONTACT_EMAIL}),
        name="contact",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, started by static scripts (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        # ReDoc writes its styles into <style> elements, which carry this response's nonce, and
        # runs its search in a worker it makes from a blob: URL.
        csp_update({"style-src": [NONCE], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
]
