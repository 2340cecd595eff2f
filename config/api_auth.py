"""POST /api/v1/token/: exchange an e-mail address and password for an API token.

Sign-in goes through ``django.contrib.auth.authenticate`` with the request, so django-axes counts
failures and locks out repeated ones exactly as on the sign-in page. The token is DRF's
``authtoken`` token, one per person, lasting ``API_TOKEN_EXPIRY_DAYS`` (``charter.tokens``); send
it as ``Authorization: Token <key>``.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from charter import audit, tokens
from charter.models import AuditKind
from common.api import ErrorSerializer, ValidationErrorSerializer, invalid_request


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, help_text="The e-mail address you sign in with.")
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as the header `Authorization: Token <token>`.")
    expires = serializers.DateTimeField(help_text="When the token stops working; then ask for a new one.")


WRONG = "The e-mail address or password is not right."
LOCKED = "Too many failed sign-ins from this address; try again in an hour."


class TokenViewSet(viewsets.ViewSet):
    """Obtain an API token."""

    authentication_classes = []  # a sign-in needs no session, so no CSRF token
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Obtain an API token",
        description="Exchange your e-mail address and password for your API token (the same token each "
        "time until it expires or is revoked: it lasts a set number of days, 90 unless the portal says "
        "otherwise, and changing or resetting your password revokes it). Repeated failures lock the "
        "account out from that address for an hour, as on the sign-in page.",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer, description="Missing fields, or a wrong e-mail address or password."
            ),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after repeated failures."),
        },
        examples=[
            OpenApiExample(
                "Sign in", value={"email": "reporter@example.org", "password": "…"}, request_only=True
            )
        ],
        auth=[],
    )
    def create(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_request(serializer)
        email = serializer.validated_data["email"].strip()
        # django-axes needs the request: it counts failures by e-mail address and client address.
        user = authenticate(request, username=email, password=serializer.validated_data["password"])
        if user is None:
            if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(request, {"username": email}):
                return Response({"detail": LOCKED}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            return Response({"detail": WRONG, "errors": []}, status=status.HTTP_400_BAD_REQUEST)
        with transaction.atomic():  # the token and its line in the audit log, or neither
            token = tokens.issue(user)
            audit.record(AuditKind.SIGN_IN, actor=user, request=request, target=audit.where(request))
        return Response({"token": token.key, "expires": tokens.expires_at(token)})
