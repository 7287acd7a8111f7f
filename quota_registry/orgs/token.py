"""API tokens: `POST /api/v1/auth/token/` issues a new key at each login (city staff add the current code of
their authenticator, `otp`, the same second factor as in the pages); a key expires after PORTAL_TOKEN_DAYS
(30 by default), and its owner lists and revokes their keys (`/api/v1/auth/tokens/`, the page
`/accounts/tokens/`). Only a key's SHA-256 is stored."""
from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from quota_registry.access import get_scoped_or_404, scope
from quota_registry.audit.services import record

from . import twofactor
from .authentication import digest as _digest
from .models import ApiToken


def active_tokens(user):
    """The user's tokens that still open the API."""
    return scope(user, ApiToken).filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


@transaction.atomic
def token_issue(*, user) -> tuple[ApiToken, str]:
    """A new key for `user` (the key is returned once and never stored)."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, key_hash=_digest(key), prefix=key[:8],
                                    expires_at=timezone.now() + datetime.timedelta(days=settings.PORTAL_TOKEN_DAYS))
    record(actor=user, action="api_token.issue", obj=token, after={"prefix": token.prefix,
                                                                   "expires_at": token.expires_at.isoformat()})
    return token, key


@transaction.atomic
def token_revoke(*, actor, pk: int) -> ApiToken:
    """The owner revokes one of their keys; it stops working at once. Revoking twice changes nothing."""
    token = get_scoped_or_404(actor, ApiToken.objects.select_for_update(), pk=pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        record(actor=actor, action="api_token.revoke", obj=token, after={"prefix": token.prefix})
    return token


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(label=gettext_lazy("6-digit code"), required=False, allow_blank=True, write_only=True,
                                max_length=10)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        if twofactor.requires_second_factor(user):
            device = twofactor.confirmed_device(user)
            code = (attrs.get("otp") or "").strip()
            if device is None or not code.isdigit() or not device.verify_token(code):
                raise serializers.ValidationError({"otp": [_("City staff give the current code of their authenticator "
                                                             "app (set it up by logging in to the portal once).")]})
        return attrs


class TokenSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "active"]

    def get_active(self, obj) -> bool:
        return obj.revoked_at is None and obj.expires_at > timezone.now()


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ObtainToken(APIView):
    """A new API key at each login (username, password, and `otp` for city staff)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses=IssuedTokenSerializer)
    def post(self, request):
        body = TokenRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        token, key = token_issue(user=body.validated_data["user"])
        return Response({"token": key, "expires_at": token.expires_at})


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own API keys (the newest first); `POST .../{id}/revoke/` revokes one."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        return scope(self.request.user, ApiToken)

    @extend_schema(request=None, responses=TokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = token_revoke(actor=request.user, pk=self.get_object().pk)
        return Response(TokenSerializer(token).data, status=status.HTTP_200_OK)
