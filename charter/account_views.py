"""Your account: who you are, your password and your API token."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from charter import tokens


@login_required
def account(request):
    return render(request, "registration/account.html", {"token": tokens.token_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """See your API token, make a new one (which replaces it) or revoke it."""
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            if tokens.revoke(request.user):
                messages.success(request, "Your API token is revoked. Programs using it can no longer use the API.")
            return redirect("api-tokens")
        if action != "create":
            return HttpResponseBadRequest("Choose to create or revoke a token.")
        new_key = tokens.replace(request.user).key
    token = tokens.token_of(request.user)
    context = {
        "token": token,
        "expires": tokens.expires_at(token) if token else None,
        "expired": tokens.is_expired(token) if token else False,
        "new_key": new_key,
        "lifetime_days": settings.API_TOKEN_EXPIRY_DAYS,
    }
    response = render(request, "registration/api_tokens.html", context)
    add_never_cache_headers(response)  # the new key is on this page once, and never cached
    return response
