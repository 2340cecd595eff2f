"""API tokens: DRF's ``authtoken`` token, one per person, which expires and can be revoked.

A token lasts ``API_TOKEN_EXPIRY_DAYS`` from when it was made; after that the API answers 401
and the person asks for a new one (``POST /api/v1/token/`` or their "Your API tokens" page). A
password change or reset revokes it (``User.save``), the person can revoke it on that page, and
ICB admins can revoke anyone's in the Django admin.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

EXPIRED = "This API token has expired. Ask for a new one."


def lifetime():
    return timedelta(days=settings.API_TOKEN_EXPIRY_DAYS)


def expires_at(token):
    return token.created + lifetime()


def is_expired(token):
    return timezone.now() >= expires_at(token)


def token_of(user):
    """The person's token, or None."""
    return Token.objects.filter(user=user).first()


@transaction.atomic
def issue(user):
    """The person's token: the one they have while it lasts, else a new one."""
    Token.objects.filter(user=user, created__lte=timezone.now() - lifetime()).delete()
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def replace(user):
    """A new token for the person; the old one stops working."""
    revoke(user)
    return Token.objects.create(user=user)


def revoke(user):
    """Revoke the person's token; how many were revoked."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused (401) once the token has expired."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            raise exceptions.AuthenticationFailed(EXPIRED)
        return user, token
