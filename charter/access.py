"""Access helpers used at the top of views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def icb_admin_required(view):
    """Only ICB admins; others signed in get 403, anonymous people are sent to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_icb_admin:
            raise PermissionDenied("Only ICB admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def icb_required(view):
    """ICB analysts and admins; others signed in get 403, anonymous people are sent to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_icb:
            raise PermissionDenied("Only ICB staff can see this.")
        return view(request, *args, **kwargs)

    return wrapper
