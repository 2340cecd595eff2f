"""Sign in, sign out, password reset, and your account (with your API token).

The URL names are Django's standard ones (login, logout, password_reset, password_reset_done,
password_reset_confirm, password_reset_complete, password_change, password_change_done).
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import path

from charter import account_views
from charter.forms import PortalPasswordChangeForm, PortalPasswordResetForm, PortalSetPasswordForm, SignInForm


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only), then say so on the page the person lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code in (301, 302):  # else registration/logged_out.html says it
            messages.success(request, "You have signed out.")
        return response


urlpatterns = [
    path("", account_views.account, name="account"),
    path("api-tokens/", account_views.api_tokens, name="api-tokens"),
    # Signed-in people may still open the sign-in page (to switch account after a 403).
    path("login/", auth_views.LoginView.as_view(form_class=SignInForm), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PortalPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=PortalSetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Changing a known password (linked from Your account), on the portal's own pages.
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(form_class=PortalPasswordChangeForm),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
