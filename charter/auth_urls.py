"""Sign in, sign out and password reset, with the portal's own templates."""

from django.urls import include, path

urlpatterns = [
    path("", include("django.contrib.auth.urls")),
]
